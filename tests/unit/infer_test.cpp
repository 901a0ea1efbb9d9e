#include <catch2/catch.hpp>

#include <filesystem>

#include "tmpdir.hpp"
#include "frontend/frontend.hpp"
#include "infer/infer.hpp"
#include "spec/spec.hpp"
#include "support/fs.hpp"
#include "support/text.hpp"

using namespace kgen;
namespace stdfs = std::filesystem;

namespace {

// A cut-down linux/cleanup.h: the same macro shapes, expanding to the same names.
const char* kCleanup = R"(
#define DEFINE_FREE(_name, _type, _free) \
	static inline void __free_##_name(void *p) { _type _T = *(_type *)p; _free; }
#define DEFINE_CLASS(_name, _type, _exit, _init, _init_args...) \
typedef _type class_##_name##_t; \
static inline void class_##_name##_destructor(_type *p) { _type _T = *p; _exit; } \
static inline _type class_##_name##_constructor(_init_args) { _type t = _init; return t; }
#define DEFINE_GUARD(_name, _type, _lock, _unlock) \
	DEFINE_CLASS(_name, _type, if (_T) { _unlock; }, ({ _lock; _T; }), _type _T); \
	static inline void * class_##_name##_lock_ptr(class_##_name##_t *_T) { return (void *)(unsigned long)*_T; }
)";

const char* kHeader = R"(
#include "cleanup.h"
typedef unsigned char u8;
typedef _Bool bool;
void might_sleep(void);
struct blob;
struct blob *blob_alloc(int size);
void blob_free(struct blob *b);
DEFINE_FREE(blob_free, struct blob *, if (_T) blob_free(_T))

struct knob { int x; };
void knob_get(struct knob *k);
void knob_put(struct knob *k);
void knob_lock(struct knob *k);
void knob_unlock(struct knob *k);
DEFINE_GUARD(knob, struct knob *, knob_lock(_T), knob_unlock(_T))
int knob_twist(struct knob *k, int by);
/* Caller holds the knob lock. */
int __knob_twist(struct knob *k, int by);
/**
 * knob_find - find a knob
 * @k: a knob
 *
 * Return: the knob, or an ERR_PTR on failure.
 */
struct knob *knob_find(struct knob *k);
/**
 * knob_peek - look at a knob
 * @k: a knob
 *
 * Return: the knob, or NULL if there is none.
 */
struct knob *knob_peek(struct knob *k);
/**
 * knob_read - read a knob register
 * @k: a knob
 *
 * Context: process context; takes the knob lock.
 */
int __attribute__((warn_unused_result)) knob_read(struct knob *k);
/**
 * knob_reset - reset a knob
 * @k: a knob
 *
 * Return: 0 on success or a negative errno.
 */
int knob_reset(struct knob *k);
static inline int knob_settle(struct knob *k) { might_sleep(); return 0; }
typedef unsigned int knob_state_t;
enum knob_state { KNOB_STATE_OFF = (knob_state_t)0, KNOB_STATE_ON = (knob_state_t)1 };
knob_state_t knob_state(struct knob *k);
int knob_level(struct knob *k, u8 *val);
int knob_label(struct knob *k, char *buf);
static inline int knob_settle_twice(struct knob *k) { return knob_settle(k) + knob_settle(k); }

struct knob_ops {
	const char *name;
	/** @start: start it */
	int (*start)(struct knob *k);
	/** @get_level: Get the current level */
	int (*get_level)(struct knob *k);
	/** @matches: Returns true if the knob matches */
	bool (*matches)(struct knob *k);
	void (*dump)(struct knob *k, u8 *data);
	int (*rules)(struct knob *k, unsigned long *rules);
	int (*match)(struct knob *k);
};
)";

model::CModel parse() {
  auto dir = test::tmp_dir("infer");
  stdfs::create_directories(dir / "linux");
  fs::write_if_changed(dir / "cleanup.h", kCleanup);
  fs::write_if_changed(dir / "linux" / "knob.h", kHeader);
  frontend::ParseOptions o;
  o.headers = {"linux/knob.h"};
  o.flags = {"-I" + dir.string(), "-I" + (dir / "linux").string()};
  o.record_uses_of = infer::cleanup_macros();
  o.record_inline_calls = true;
  return frontend::parse(o);
}

const infer::DraftMethod* method(const infer::DraftType& t, const std::string& c) {
  for (const auto& m : t.methods)
    if (m.c == c) return &m;
  return nullptr;
}

}  // namespace

TEST_CASE("infer drafts pairs, guards, conventions and ops from a header", "[infer]") {
  auto m = parse();
  REQUIRE(m.function("class_knob_destructor"));
  // Its name is pasted in no file: the location is the DEFINE_GUARD line.
  CHECK(text::ends_with(m.function("class_knob_destructor")->loc.file, "knob.h"));
  auto d = infer::infer(m, {"linux/knob.h", ""});

  const infer::DraftType* knob = nullptr;
  const infer::DraftType* blob = nullptr;
  for (const auto& t : d.types) {
    if (t.tag == "knob") knob = &t;
    if (t.tag == "blob") blob = &t;
  }
  REQUIRE(knob);
  CHECK(knob->ownership == "refcounted");
  CHECK(knob->get == "knob_get");
  CHECK(knob->put == "knob_put");
  REQUIRE(knob->locks.size() == 1);
  CHECK(knob->locks[0].lock == "knob_lock");
  CHECK(knob->locks[0].unlock == "knob_unlock");
  bool guard_seen = false;
  for (const auto& w : knob->locks[0].why) guard_seen |= w.find("DEFINE_GUARD(knob") != std::string::npos;
  CHECK(guard_seen);
  REQUIRE(knob->locks[0].methods.size() == 1);
  CHECK(knob->locks[0].methods[0].c == "__knob_twist");

  REQUIRE(method(*knob, "knob_find"));
  CHECK(method(*knob, "knob_find")->returns.kind == "err_ptr");
  CHECK(method(*knob, "knob_peek")->returns.kind == "null_ptr");
  CHECK(method(*knob, "knob_reset")->returns.kind == "errno");
  CHECK(method(*knob, "knob_read")->returns.kind == "value");
  CHECK(method(*knob, "knob_read")->context == "process context; takes the knob lock.");
  bool must_check = false;
  for (const auto& w : method(*knob, "knob_read")->why) must_check |= w.find("__must_check") != std::string::npos;
  CHECK(must_check);
  // A __bitwise integer typedef beside its enum is the enum; one value
  // written through the last parameter is `out` (not a char buffer).
  CHECK(method(*knob, "knob_state")->returns.kind == "enum");
  CHECK(method(*knob, "knob_state")->returns.type == "KnobState");
  CHECK(method(*knob, "knob_level")->returns.kind == "out");
  CHECK(method(*knob, "knob_level")->returns.type == "u8");
  CHECK(method(*knob, "knob_label")->returns.kind == "errno");
  CHECK(method(*knob, "knob_settle")->may_sleep);
  CHECK(method(*knob, "knob_settle_twice")->may_sleep);  // through the static inline it calls
  CHECK_FALSE(method(*knob, "knob_twist")->may_sleep);
  CHECK_FALSE(method(*knob, "knob_lock"));  // in the guard, not a method

  REQUIRE(blob);
  CHECK(blob->ownership == "owned");
  CHECK(blob->free == "blob_free");

  REQUIRE(d.ops.size() == 1);
  const auto& ops = d.ops[0];
  CHECK(ops.tag == "knob_ops");
  CHECK(ops.data_members == std::vector<std::string>{"name"});
  REQUIRE(ops.callbacks.size() == 6);
  CHECK(ops.callbacks[0].returns.kind == "errno");
  CHECK(ops.callbacks[1].returns.kind == "value");
  CHECK(ops.callbacks[2].returns.kind == "bool");
  CHECK(ops.callbacks[3].excluded.find("buffer") != std::string::npos);
  CHECK(ops.callbacks[4].returns.kind == "errno");  // a callback writes through its pointer itself
  CHECK(ops.callbacks[5].excluded.find("Rust keyword ('match')") != std::string::npos);

  // The draft is a spec the strict loader reads, and each item says why.
  std::string yaml = infer::render_yaml(d);
  CHECK_NOTHROW(spec::load_string(yaml, "draft.yaml"));
  CHECK(yaml.find("# refcounted: name pair knob_get/knob_put over struct knob") != std::string::npos);

  // --ops: only that table, plus the type lent to its callbacks.
  auto only = infer::infer(m, {"linux/knob.h", "struct knob_ops"});
  REQUIRE(only.ops.size() == 1);
  REQUIRE(only.types.size() == 1);
  CHECK(only.types[0].tag == "knob");
  CHECK(only.types[0].methods.empty());
  CHECK_NOTHROW(spec::load_string(infer::render_yaml(only), "draft.yaml"));
}

TEST_CASE("score() measures a draft against a hand-written spec", "[infer]") {
  auto m = parse();
  auto d = infer::infer(m, {"linux/knob.h", ""});
  auto hand = spec::load_string(R"(kgen: 1
name: knob
module: {rust_path: kernel::knob, kernel_file: rust/kernel/knob.rs, c_header: include/linux/knob.h}
headers: [linux/knob.h]
helpers: knob
types:
  - rust: Knob
    c: struct knob
    ownership: refcounted
    get: knob_get
    put: knob_put
    methods:
      - {c: knob_reset, context: may sleep}
      - {c: knob_read, returns: value u16}
ops:
  - c: struct knob_ops
    trait: Ops
    vtable: V
    create: c
    guarantee: g.
    callbacks: {start: {}, get_level: {returns: value u32}, matches: {returns: bool}}
    excluded: {dump: no length.}
)",
                                "knob.yaml");
  auto s = infer::score(d, hand, m);
  const auto& all = s.rows.back();
  CHECK(all.kind == "all");
  CHECK(s.rows[s.rows.size() - 2].kind == "invariants");
  CHECK(s.rows[s.rows.size() - 2].hand == 10);  // without the 2 methods
  // Hand: type, refcount, ops, 2 methods, 2+3 returns, 1 context, 1 excluded = 12.
  CHECK(all.hand == 12);
  // knob_reset's "may sleep" is not drafted (nothing in the header says so): the only miss;
  // knob_read's "process context" is drafted as may sleep, which the hand spec does not say.
  CHECK(all.agree == 11);
  REQUIRE(s.missed.size() == 1);
  CHECK(s.missed[0].find("context knob_reset") != std::string::npos);
  REQUIRE(s.wrong.size() == 1);
  CHECK(s.wrong[0].find("context knob_read") != std::string::npos);
  CHECK(infer::render_score(s).find("recall") != std::string::npos);
}
