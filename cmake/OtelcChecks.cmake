# Project-wide checks run by ctest. Included at the end of
# tests/CMakeLists.txt, so the tests live in the tests directory.
#
#   abi.exported_symbols  the shared library exports exactly the symbols
#                         listed in abi/otelc.symbols, all named otelc_*
#   install.consumer      `cmake --install` into a temporary prefix, then a
#                         small program is built against it with
#                         find_package(otelc) and with pkg-config, and run
#
# `cmake --build <build> --target update-symbols` rewrites
# abi/otelc.symbols from the library just built (see docs/ABI.md).

include_guard(GLOBAL)

find_program(OTELC_BASH bash REQUIRED)

set(_otelc_symbols_script "${PROJECT_SOURCE_DIR}/cmake/check_symbols.sh")
set(_otelc_symbols_list "${PROJECT_SOURCE_DIR}/abi/otelc.symbols")

add_test(NAME abi.exported_symbols
  COMMAND "${OTELC_BASH}" "${_otelc_symbols_script}"
          "$<TARGET_FILE:otelc>" "${_otelc_symbols_list}" "${PROJECT_BINARY_DIR}")
set_tests_properties(abi.exported_symbols PROPERTIES
  LABELS abi
  TIMEOUT 60)

add_custom_target(update-symbols
  COMMAND "${OTELC_BASH}" "${_otelc_symbols_script}" --update
          "$<TARGET_FILE:otelc>" "${_otelc_symbols_list}" "${PROJECT_BINARY_DIR}"
  DEPENDS otelc
  COMMENT "Writing the exported symbols of libotelc to abi/otelc.symbols"
  VERBATIM)

add_test(NAME install.consumer
  COMMAND "${OTELC_BASH}" "${PROJECT_SOURCE_DIR}/tests/install/run.sh"
          "${PROJECT_BINARY_DIR}" "${PROJECT_SOURCE_DIR}" "$<CONFIG>")
set_tests_properties(install.consumer PROPERTIES
  LABELS install
  TIMEOUT 600)
