#include <catch2/catch.hpp>

#include "model/kerneldoc.hpp"

using namespace kgen::model;

TEST_CASE("kernel-doc of a function", "[kerneldoc]") {
  auto d = parse_kerneldoc(
      "/**\n * genphy_soft_reset - software reset the PHY via BMCR_RESET bit\n * @phydev: target phy_device struct\n"
      " *\n * Description: Perform a software PHY reset using the standard\n * BMCR_RESET bit.\n *\n"
      " * Returns: 0 on success, < 0 on failure\n * Context: may sleep.\n */");
  CHECK(d.name == "genphy_soft_reset");
  CHECK(d.summary == "software reset the PHY via BMCR_RESET bit");
  REQUIRE(d.params.size() == 1);
  CHECK(d.params[0].first == "phydev");
  REQUIRE(d.body.size() == 1);
  CHECK(d.body[0] == "Perform a software PHY reset using the standard BMCR_RESET bit.");
  CHECK(d.returns == "0 on success, < 0 on failure");
  CHECK(d.context == "may sleep.");
}

TEST_CASE("kernel-doc of a struct member", "[kerneldoc]") {
  auto d = parse_kerneldoc("/** @soft_reset: Called to issue a PHY software reset */");
  CHECK(d.summary == "Called to issue a PHY software reset");
  auto p = rustdoc_paragraphs(d);
  REQUIRE(p.size() == 1);
  CHECK(p[0] == "Called to issue a PHY software reset.");
}

TEST_CASE("kernel-doc markup becomes rustdoc-safe Markdown", "[kerneldoc]") {
  CHECK(to_markdown("returns %NULL or @phydev") == "returns `NULL` or `phydev`");
  CHECK(to_markdown("see &struct phy_device") == "see struct phy_device");
  CHECK(to_markdown("a [x] <y>") == "a \\[x\\] \\<y>");
  CHECK(to_markdown("returns < 0 on failure") == "returns < 0 on failure");
  CHECK(to_markdown("ptr->field") == "ptr->field");
}

TEST_CASE("scanning a .c file finds documented functions", "[kerneldoc]") {
  auto m = scan_kerneldoc("/* no */\n/**\n * foo() - does foo\n */\nint foo(void);\n/**\n * bar - does bar\n */\n");
  CHECK(m.size() == 2);
  CHECK(m["foo"].summary == "does foo");
}

// ---- rustdoc_lines: real 6.12 kernel-doc, rendered for the Rust item ----

namespace {

constexpr size_t kWidth = 92;

std::vector<std::string> render(const std::string& raw, const DocContext& ctx, size_t width = kWidth) {
  auto lines = rustdoc_lines(parse_kerneldoc(raw), ctx, width);
  for (const auto& l : lines) {
    // No line over the width, unless it is one word (a URL).
    if (l.size() > width) CHECK(l.find(' ', l.find_first_not_of(' ')) == std::string::npos);
  }
  return lines;
}

using Lines = std::vector<std::string>;

}  // namespace

// drivers/net/phy/phy_device.c
const char* kGenphySoftReset = R"(/**
 * genphy_soft_reset - software reset the PHY via BMCR_RESET bit
 * @phydev: target phy_device struct
 *
 * Description: Perform a software PHY reset using the standard
 * BMCR_RESET bit and poll for the reset bit to be cleared.
 *
 * Returns: 0 on success, < 0 on failure
 */)";

TEST_CASE("rustdoc_lines: a method returning Result loses the C return prose", "[kerneldoc]") {
  DocContext ctx;
  ctx.self_param = "phydev";
  ctx.params = {{"phydev", ""}};
  ctx.returns_result = true;
  CHECK(render(kGenphySoftReset, ctx) ==
        Lines{"Software reset the PHY via `BMCR_RESET` bit.", "",
              "Perform a software PHY reset using the standard `BMCR_RESET` bit and poll for the reset bit",
              "to be cleared."});
  // Without a Result the C return prose stays, as a sentence.
  DocContext plain;
  auto lines = render(kGenphySoftReset, plain);
  REQUIRE(lines.size() == 6);
  CHECK(lines[5] == "Returns 0 on success, < 0 on failure.");
}

// include/linux/phy.h, struct phy_driver
const char* kLedHwIsSupported = R"(/**
	 * @led_hw_is_supported: Can the HW support the given rules.
	 * @dev: PHY device which has the LED
	 * @index: Which LED of the PHY device
	 * @rules The core is interested in these rules
	 *
	 * Return 0 if yes,  -EOPNOTSUPP if not, or an error code.
	 */)";

TEST_CASE("rustdoc_lines: @param lines are not merged into the summary", "[kerneldoc]") {
  auto d = parse_kerneldoc(kLedHwIsSupported);
  CHECK(d.member == "led_hw_is_supported");
  CHECK(d.brief == "Can the HW support the given rules.");
  REQUIRE(d.args.size() == 3);
  CHECK(d.args[2] == std::pair<std::string, std::string>{"rules", "The core is interested in these rules"});
  DocContext ctx;
  ctx.self_param = "dev";
  ctx.params = {{"dev", ""}, {"index", "index"}, {"rules", "rules"}};
  ctx.returns_result = true;
  CHECK(render(kLedHwIsSupported, ctx) ==
        Lines{"Can the HW support the given rules.", "",
              "Returns `Ok(())` if yes, `EOPNOTSUPP` if not, or another error."});
  // Arguments listed on request, under their Rust names; the receiver is not.
  ctx.list_arguments = true;
  ctx.params["index"] = "led";
  CHECK(render(kLedHwIsSupported, ctx) ==
        Lines{"Can the HW support the given rules.", "",
              "Returns `Ok(())` if yes, `EOPNOTSUPP` if not, or another error.", "",
              "- `led`: Which LED of the PHY device.", "- `rules`: The core is interested in these rules."});
}

// include/linux/phy.h, struct phy_driver
const char* kLedHwControlGet = R"(/**
	 * @led_hw_control_get: Get how the HW is controlling the LED
	 * @dev: PHY device which has the LED
	 * @index: Which LED of the PHY device
	 * @rules Pointer to the rules used to control the LED
	 *
	 * Set *@rules to how the HW is currently blinking. Returns 0
	 * on success, or a error code if the current blinking cannot
	 * be represented in rules, or some other error happens.
	 */)";

TEST_CASE("rustdoc_lines: return prose inside the description is rewritten too", "[kerneldoc]") {
  DocContext ctx;
  ctx.self_param = "dev";
  ctx.params = {{"dev", ""}, {"index", "index"}, {"rules", "rules"}};
  ctx.returns_result = true;
  CHECK(render(kLedHwControlGet, ctx) ==
        Lines{"Get how the HW is controlling the LED.", "",
              "Set `*rules` to how the HW is currently blinking. Returns an error if the current blinking",
              "cannot be represented in rules, or some other error happens."});
}

// include/linux/blk-mq.h, struct blk_mq_ops
const char* kInitHctx = R"(/**
	 * @init_hctx: Called when the block layer side of a hardware queue has
	 * been set up, allowing the driver to allocate/init matching
	 * structures.
	 */)";
const char* kExitHctx = R"(/**
	 * @exit_hctx: Ditto for exit/teardown.
	 */)";

TEST_CASE("rustdoc_lines: Ditto is resolved from the previous member, or dropped", "[kerneldoc]") {
  auto init = parse_kerneldoc(kInitHctx);
  DocContext ctx;
  ctx.previous = &init;
  CHECK(render(kExitHctx, ctx) == Lines{"Like `init_hctx`, but for exit/teardown."});
  ctx.previous_name = "init_hw_queue";
  CHECK(render(kExitHctx, ctx) == Lines{"Like `init_hw_queue`, but for exit/teardown."});
  // A bare "Ditto." repeats the previous doc.
  CHECK(render("/** @exit_hctx: Ditto. */", ctx) ==
        Lines{"Called when the block layer side of a hardware queue has been set up, allowing the driver to",
              "allocate/init matching structures."});
  // No previous doc: nothing is said, and no fallback line is made up.
  CHECK(render(kExitHctx, DocContext{}).empty());
  auto more = "/**\n * @exit_request: Ditto for exit/teardown.\n *\n * Called with the tag set's lock held. Once.\n */";
  CHECK(render(more, DocContext{}) == Lines{"Called with the tag set's lock held.", "", "Once."});
  CHECK(render(more, ctx) ==
        Lines{"Like `init_hw_queue`, but for exit/teardown.", "", "Called with the tag set's lock held. Once."});
}

// include/linux/blk-mq.h, struct blk_mq_ops
const char* kCommitRqs = R"(/**
	 * @commit_rqs: If a driver uses bd->last to judge when to submit
	 * requests to hardware, it must define this function. In case of errors
	 * that make us stop issuing further requests, this hook serves the
	 * purpose of kicking the hardware (which the last request otherwise
	 * would have done).
	 */)";

TEST_CASE("rustdoc_lines: C paths the Rust signature renames are mapped", "[kerneldoc]") {
  DocContext ctx;
  ctx.params = {{"bd->last", "is_last"}};
  CHECK(render(kCommitRqs, ctx) ==
        Lines{"If a driver uses `is_last` to judge when to submit requests to hardware, it must define this",
              "function.", "",
              "In case of errors that make us stop issuing further requests, this hook serves the purpose",
              "of kicking the hardware (which the last request otherwise would have done)."});
  // Unmapped, the C path is code.
  CHECK(render(kCommitRqs, DocContext{})[0] ==
        "If a driver uses `bd->last` to judge when to submit requests to hardware, it must define");
}

// include/linux/phy.h, struct phy_driver
const char* kMatchPhyDevice = R"(/**
	 * @match_phy_device: Returns true if this is a suitable
	 * driver for the given phydev.	 If NULL, matching is based on
	 * phy_id and phy_id_mask.
	 */)";

// include/linux/phy.h, struct phy_driver
const char* kSetWol = R"(/**
	 * @set_wol: Some devices (e.g. qnap TS-119P II) require PHY
	 * register changes to enable Wake on LAN, so set_wol is
	 * provided to be called in the ethernet driver's set_wol
	 * function.
	 */)";

TEST_CASE("rustdoc_lines: the first paragraph is one sentence", "[kerneldoc]") {
  // "e.g." neither ends a sentence nor is code.
  CHECK(render(kSetWol, DocContext{}) ==
        Lines{"Some devices (e.g. qnap TS-119P II) require PHY register changes to enable Wake on LAN, so",
              "`set_wol` is provided to be called in the ethernet driver's `set_wol` function."});
  CHECK(render(kMatchPhyDevice, DocContext{}) ==
        Lines{"Returns true if this is a suitable driver for the given phydev.", "",
              "If `NULL`, matching is based on `phy_id` and `phy_id_mask`."});
}

// kernel/locking/mutex.c
const char* kMutexLockInterruptible = R"(/**
 * mutex_lock_interruptible() - Acquire the mutex, interruptible by signals.
 * @lock: The mutex to be acquired.
 *
 * Lock the mutex like mutex_lock().  If a signal is delivered while the
 * process is sleeping, this function will return without acquiring the
 * mutex.
 *
 * Context: Process context.
 * Return: 0 if the lock was successfully acquired or %-EINTR if a
 * signal arrived.
 */)";

TEST_CASE("rustdoc_lines: Context: becomes a sentence of its own; errno names stay", "[kerneldoc]") {
  DocContext ctx;
  ctx.self_param = "lock";
  ctx.returns_result = true;
  CHECK(render(kMutexLockInterruptible, ctx) ==
        Lines{"Acquire the mutex, interruptible by signals.", "",
              "Lock the mutex like `mutex_lock()`. If a signal is delivered while the process is sleeping,",
              "this function will return without acquiring the mutex.", "",
              "Returns `EINTR` if a signal arrived.", "", "Must be called from process context."});
  auto d = parse_kerneldoc("/**\n * f - does f\n *\n * Context: Any context. may sleep.\n */");
  CHECK(rustdoc_lines(d, DocContext{}, kWidth) ==
        Lines{"Does f.", "", "Can be called from any context. May sleep."});
}

// drivers/net/phy/phy-core.c
const char* kPhyModifyChanged = R"(/**
 * phy_modify_changed - Function for modifying a PHY register
 * @phydev: the phy_device struct
 * @regnum: register number to modify
 * @mask: bit mask of bits to clear
 * @set: new value of bits set in mask to write to @regnum
 *
 * NOTE: MUST NOT be called from interrupt context,
 * because the bus read/write functions may wait for an interrupt
 * to conclude the operation.
 *
 * Returns negative errno, 0 if there was no change, and 1 in case of change
 */)";

TEST_CASE("rustdoc_lines: Result<T> keeps what the values mean, not the errno", "[kerneldoc]") {
  DocContext ctx;
  ctx.self_param = "phydev";
  ctx.returns_result = true;
  ctx.returns_value = true;
  CHECK(render(kPhyModifyChanged, ctx) ==
        Lines{"Function for modifying a PHY register.", "",
              "NOTE: MUST NOT be called from interrupt context, because the bus read/write functions may",
              "wait for an interrupt to conclude the operation.", "",
              "Returns 0 if there was no change, and 1 in case of change."});
}

TEST_CASE("rustdoc_lines: the usual errno phrasings go away for a Result", "[kerneldoc]") {
  DocContext ctx;
  ctx.returns_result = true;
  for (const char* r : {"Return: 0 on success or a negative errno", "Returns: 0 on success, < 0 on failure",
                        "Returns: 0 on success, negative error code on failure", "Return: 0, or a an error code.",
                        "Return: zero on success, or a negative error code otherwise.",
                        "Return: %0 on success or %-ERRNO on failure"}) {
    INFO(r);
    CHECK(rustdoc_lines(parse_kerneldoc(std::string("/**\n * f - does f\n *\n * ") + r + "\n */"), ctx, kWidth) ==
          Lines{"Does f."});
  }
  // ERR_PTR() for a Result<T>, %NULL for an Option<T>.
  ctx.returns_value = true;
  CHECK(rustdoc_lines(parse_kerneldoc("/**\n * f - does f\n * Return: pointer to the new request, or ERR_PTR() on "
                                      "failure.\n */"),
                      ctx, kWidth) == Lines{"Does f.", "", "Returns a pointer to the new request."});
  DocContext opt;
  opt.returns_option = true;
  CHECK(rustdoc_lines(parse_kerneldoc("/**\n * f - does f\n * Return: the first PHY device, or %NULL if none is "
                                      "found\n */"),
                      opt, kWidth) == Lines{"Does f.", "", "Returns the first PHY device, or `None` if none is found."});
}

TEST_CASE("rustdoc_lines: sentences about dropped C parameters go; Option parameters say None", "[kerneldoc]") {
  auto raw = R"(/**
 * copy_info - copy the device information
 * @dev: the device
 * @buf: where to write
 * @len: size of @buf in bytes
 * @data: private data, may be %NULL
 *
 * Copies the information of @dev into @buf. At most @len bytes are written.
 * If @data is %NULL, the default is used.
 */)";
  DocContext ctx;
  ctx.self_param = "dev";
  ctx.self_text = "the device";
  ctx.params = {{"dev", ""}, {"buf", "buf"}, {"len", ""}, {"data", "data"}};
  ctx.optional_params = {"data"};
  CHECK(render(raw, ctx) == Lines{"Copy the device information.", "",
                                  "Copies the information of the device into `buf`. If `data` is `None`, the "
                                  "default is used."});
}

TEST_CASE("rustdoc_lines: lists stay lists, with hanging indents", "[kerneldoc]") {
  // The style of include/linux/phy.h's state machine comment.
  auto raw = R"(/**
 * phy_state_machine - Handle the state machine
 *
 * AN: The PHY is currently negotiating the link state.  Link is
 * therefore down for now.
 * - If autonegotiation finishes, but there's no link, it sets
 *   the state to NOLINK.
 * - If aneg finishes with link, it sets the state to RUNNING,
 *   and calls adjust_link
 *
 * Steps:
 * 1. Read the status.
 * 2) Act on it
 *    and continue.
 *
 * Return:
 * * 0		- OK
 * * -ENOMEM	- out of memory
 */)";
  DocContext ctx;
  ctx.returns_result = true;
  CHECK(render(raw, ctx, 50) == Lines{"Handle the state machine.",
                                      "",
                                      "AN: The PHY is currently negotiating the link",
                                      "state. Link is therefore down for now.",
                                      "",
                                      "- If autonegotiation finishes, but there's no",
                                      "  link, it sets the state to NOLINK.",
                                      "- If aneg finishes with link, it sets the state to",
                                      "  RUNNING, and calls `adjust_link`",
                                      "",
                                      "Steps:",
                                      "",
                                      "1. Read the status.",
                                      "2. Act on it and continue.",
                                      "",
                                      "Errors:",
                                      "",
                                      "- `ENOMEM` - out of memory"});
}

// block/blk-mq.c
const char* kBlkUpdateRequest = R"(/**
 * blk_update_request - Complete multiple bytes without completing the request
 * @req:      the request being processed
 * @error:    block status code
 * @nr_bytes: number of bytes to complete for @req
 *
 * Description:
 *     Ends I/O on a number of bytes attached to @req, but doesn't complete
 *     the request structure even if @req doesn't have leftover.
 *     If @req has leftover, sets it up for the next range of segments.
 *
 *     Passing the result of blk_rq_bytes() as @nr_bytes guarantees
 *     %false return from this function.
 *
 * Note:
 *	The RQF_SPECIAL_PAYLOAD flag is ignored on purpose in this function
 *      except in the consistency check at the end of this function.
 *
 * Return:
 *     %false - this request doesn't have any more data
 *     %true  - this request has more data
 **/)";

TEST_CASE("rustdoc_lines: a return section's value - meaning lines are a list", "[kerneldoc]") {
  DocContext ctx;
  ctx.self_param = "req";
  ctx.self_text = "the request";
  ctx.params = {{"req", ""}, {"error", "status"}, {"nr_bytes", "bytes"}};
  CHECK(render(kBlkUpdateRequest, ctx) ==
        Lines{"Complete multiple bytes without completing the request.", "",
              "Ends I/O on a number of bytes attached to the request, but doesn't complete the request",
              "structure even if the request doesn't have leftover. If the request has leftover, sets it up",
              "for the next range of segments.", "",
              "Passing the result of `blk_rq_bytes()` as `bytes` guarantees `false` return from this",
              "function.", "",
              "Note: The `RQF_SPECIAL_PAYLOAD` flag is ignored on purpose in this function except in the",
              "consistency check at the end of this function.", "", "Returns:", "",
              "- `false` - this request doesn't have any more data", "- `true` - this request has more data"});
}

TEST_CASE("rustdoc_lines: no line over the width, words and URLs intact", "[kerneldoc]") {
  auto raw = R"(/**
 * f - does f
 *
 * See https://www.kernel.org/doc/html/latest/networking/phy.html#some-anchor for the rules; a
 * verylongwordthatdoesnotfitanywhereatallinthelinewidth stays whole. The value - 1 and
 * # are not Markdown syntax [here] <b>.
 */)";
  auto lines = render(raw, DocContext{}, 30);
  std::string all;
  for (const auto& l : lines) all += l + "\n";
  CHECK(all.find("<https://www.kernel.org/doc/html/latest/networking/phy.html#some-anchor>") != std::string::npos);
  CHECK(all.find("\nverylongwordthatdoesnotfitanywhereatallinthelinewidth\n") != std::string::npos);
  for (const auto& l : lines) {
    CHECK(l.rfind("- ", 0) != 0);  // "- 1" never starts a line: it would become a list
    CHECK(l.rfind("# ", 0) != 0);
  }
  CHECK(all.find("\\[here\\] \\<b>") != std::string::npos);
}

TEST_CASE("rustdoc_lines: a plain comment's first sentence is the summary", "[kerneldoc]") {
  auto d = parse_comment_text("Reset to default state");
  CHECK(rustdoc_lines(d, DocContext{}, kWidth) == Lines{"Reset to default state."});
  d = parse_comment_text(
      "Set phydev->irq to PHY_POLL if interrupts are not supported,\nor not desired for this PHY.  Set to "
      "PHY_MAC_INTERRUPT if\nthe attached driver handles the interrupt");
  CHECK(rustdoc_lines(d, DocContext{}, kWidth) ==
        Lines{"Set `phydev->irq` to `PHY_POLL` if interrupts are not supported, or not desired for this",
              "PHY.", "",
              "Set to `PHY_MAC_INTERRUPT` if the attached driver handles the interrupt."});
  CHECK(rustdoc_lines(parse_comment_text("Generic phy_device::dev_flags"), DocContext{}, kWidth) ==
        Lines{"Generic `phy_device::dev_flags`."});
  CHECK(strip_comment_markers("/*\n * a\n *   b\n */") == "a\n  b");
  CHECK(strip_comment_markers("// one\n// two") == "one\ntwo");
}

TEST_CASE("rustdoc_paragraphs keeps its historical output", "[kerneldoc]") {
  auto p = rustdoc_paragraphs(parse_kerneldoc(kLedHwIsSupported));
  REQUIRE(p.size() == 2);  // the flattened summary, as before, and the body
  CHECK(p[0].rfind("Can the HW support the given rules. `dev`: PHY device which has the LED `index`:", 0) == 0);
  CHECK(p[1] == "Return 0 if yes,  -EOPNOTSUPP if not, or an error code.");
}
