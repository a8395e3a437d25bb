/* Which memory counts as never changing: the read-only segments of the
 * main program and of shared libraries that can never be unloaded, and
 * nothing else. */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/immutable.h"

static const char kConstant[] = "http.request.method";
static char gWritable[] = "http.request.method";

static void test_literals_and_constants(void **state) {
  (void)state;
  const char *lit = "GET";
  assert_true(otelc__immutable(lit, 4));
  assert_true(otelc__immutable(kConstant, sizeof kConstant));
  /* Code is read-only too. */
  assert_true(otelc__immutable(
      (const void *)(uintptr_t)test_literals_and_constants, 1));
}

static void test_writable_memory(void **state) {
  (void)state;
  char stack[8] = "GET";
  char *heap = strdup("GET");
  assert_non_null(heap);
  assert_false(otelc__immutable(stack, 4));
  assert_false(otelc__immutable(heap, 4));
  assert_false(otelc__immutable(gWritable, sizeof gWritable));
  assert_false(otelc__immutable(NULL, 0));
  free(heap);
}

/* A range must lie inside one segment: a length that runs past every
 * segment's end is refused. */
static void test_range_past_the_segment(void **state) {
  (void)state;
  assert_true(otelc__immutable(kConstant, 1));
  assert_false(otelc__immutable(kConstant, SIZE_MAX / 2));
}

static const char *fixture_text(void *lib) {
  assert_non_null(lib);
  const char *(*text)(void) =
      (const char *(*)(void))(uintptr_t)dlsym(lib, "immutable_fixture_text");
  assert_non_null(text);
  return text();
}

/* Libraries loaded after the first look are found; only one linked with
 * -z nodelete is trusted. */
static void test_shared_libraries(void **state) {
  (void)state;
  assert_true(otelc__immutable("seen before the libraries load", 4));
  void *keep = dlopen(FIXTURE_NODELETE, RTLD_NOW | RTLD_LOCAL);
  const char *kept = fixture_text(keep);
  assert_true(otelc__immutable(kept, strlen(kept) + 1));
  void *plain = dlopen(FIXTURE_PLAIN, RTLD_NOW | RTLD_LOCAL);
  const char *unsure = fixture_text(plain);
  assert_false(otelc__immutable(unsure, strlen(unsure) + 1));
  /* Still trusted after other loads and unloads. */
  assert_int_equal(dlclose(plain), 0);
  assert_true(otelc__immutable(kept, strlen(kept) + 1));
  dlclose(keep); /* stays mapped: -z nodelete */
  assert_true(otelc__immutable(kept, strlen(kept) + 1));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_literals_and_constants),
      cmocka_unit_test(test_writable_memory),
      cmocka_unit_test(test_range_past_the_segment),
      cmocka_unit_test(test_shared_libraries),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
