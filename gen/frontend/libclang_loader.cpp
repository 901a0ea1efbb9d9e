// libclang, loaded when the first clang_* function is called. kgen does not
// link libclang: loading it (and the LLVM it pulls in, with its static
// constructors) costs about 90 ms of CPU at every start, which a no-op
// `kgen generate` (answered from the regeneration cache) does not need.
//
// Each function kgen uses is defined here with libclang's own name and
// signature, and forwards to the symbol of the library KGEN_LIBCLANG_PATH
// names (found by CMake). A function missing from this list is a link error:
// add its line to libclang_functions.inc (signature from clang-c/*.h).
#include <dlfcn.h>

#include <clang-c/CXString.h>
#include <clang-c/Index.h>

#include <cstdio>
#include <cstdlib>

namespace {

void* libclang() {
  static void* handle = [] {
    void* h = dlopen(KGEN_LIBCLANG_PATH, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      std::fprintf(stderr, "kgen: error: cannot load libclang (%s): %s\n  hint: install libclang-19-dev\n",
                   KGEN_LIBCLANG_PATH, dlerror());
      std::exit(1);
    }
    return h;
  }();
  return handle;
}

void* symbol(const char* name) {
  void* s = dlsym(libclang(), name);
  if (!s) {
    std::fprintf(stderr, "kgen: error: %s has no %s\n  hint: kgen needs libclang 19\n", KGEN_LIBCLANG_PATH, name);
    std::exit(1);
  }
  return s;
}

}  // namespace

#define KGEN_CLANG_FN(ret, name, params, args)                                  \
  extern "C" ret name params {                                                  \
    static const auto fn = reinterpret_cast<ret(*) params>(symbol(#name));      \
    return fn args;                                                             \
  }
#include "frontend/libclang_functions.inc"
#undef KGEN_CLANG_FN
