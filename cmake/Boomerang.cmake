# Helpers so every module declares itself the same way.
#
#   boomerang_library(NAME name SRCS a.cc b.cc DEPS dep1 dep2)
#   boomerang_test(NAME name SRCS a_test.cc DEPS dep1 [LABELS l] [TIMEOUT s])
#   boomerang_binary(NAME name SRCS main.cc DEPS dep1)
#
# Every test file is its own executable and its own ctest entry.
include_guard(GLOBAL)

function(boomerang_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS" ${ARGN})
  add_library(${ARG_NAME} STATIC ${ARG_SRCS})
  target_include_directories(${ARG_NAME} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${ARG_NAME} PUBLIC ${ARG_DEPS})
  target_compile_options(${ARG_NAME} PRIVATE ${BOOMERANG_WARNINGS})
endfunction()

function(boomerang_binary)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_include_directories(${ARG_NAME} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS})
  target_compile_options(${ARG_NAME} PRIVATE ${BOOMERANG_WARNINGS})
endfunction()

function(boomerang_test)
  cmake_parse_arguments(ARG "" "NAME;TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_include_directories(${ARG_NAME} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main)
  target_compile_options(${ARG_NAME} PRIVATE ${BOOMERANG_WARNINGS})
  add_test(NAME ${ARG_NAME} COMMAND ${ARG_NAME})
  # For the `boomerang-tests` target (top-level CMakeLists.txt).
  set_property(GLOBAL APPEND PROPERTY BOOMERANG_TEST_TARGETS ${ARG_NAME})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  # ASan and UBSan make code ~2-3x slower (measured: tools/test.sh); what a
  # test asserts stays the same, only the time it may take grows.
  if(BOOMERANG_SANITIZE)
    math(EXPR ARG_TIMEOUT "${ARG_TIMEOUT} * 3")
  endif()
  # No SKIP_REGULAR_EXPRESSION: ctest would call a whole binary skipped
  # when one of its tests skips (GTEST_SKIP, e.g. no ../shared/data), even
  # if another failed. A partly skipped binary passes or fails on its exit
  # code, and tools/test.sh prints why each skipped test skipped.
  set_tests_properties(${ARG_NAME} PROPERTIES TIMEOUT ${ARG_TIMEOUT}
    ENVIRONMENT "BOOMERANG_BIN_DIR=${PROJECT_BINARY_DIR}/bin;BOOMERANG_SHARED_DATA=${PROJECT_SOURCE_DIR}/../shared/data;BOOMERANG_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
  if(ARG_LABELS)
    set_tests_properties(${ARG_NAME} PROPERTIES LABELS "${ARG_LABELS}")
  endif()
endfunction()

# An imported target for a library found by its header and file, for Debian
# packages whose own CMake config cannot be used:
#   boomerang_import_library(TARGET ns::name HEADER dir/x.h LIBRARY name)
function(boomerang_import_library)
  cmake_parse_arguments(ARG "" "TARGET;HEADER;LIBRARY" "" ${ARGN})
  string(MAKE_C_IDENTIFIER "${ARG_LIBRARY}" var)
  string(TOUPPER "${var}" var)
  find_path(${var}_INCLUDE_DIR ${ARG_HEADER} REQUIRED)
  find_library(${var}_LIBRARY ${ARG_LIBRARY} REQUIRED)
  add_library(${ARG_TARGET} UNKNOWN IMPORTED GLOBAL)
  set_target_properties(${ARG_TARGET} PROPERTIES
    IMPORTED_LOCATION "${${var}_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${${var}_INCLUDE_DIR}")
endfunction()
