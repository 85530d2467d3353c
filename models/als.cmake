# Implicit-feedback ALS (models/als.h). Included from models/CMakeLists.txt.
boomerang_library(NAME boomerang_als
  SRCS ${CMAKE_CURRENT_SOURCE_DIR}/als.cc
  DEPS absl::status absl::statusor absl::span absl::strings Threads::Threads)

boomerang_test(NAME als_test
  SRCS ${CMAKE_CURRENT_SOURCE_DIR}/als_test.cc
  DEPS boomerang_als)
