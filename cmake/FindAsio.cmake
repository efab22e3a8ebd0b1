# FindAsio: standalone Asio (header-only; it ships no CMake package).
#
# Provides the imported target Asio::Asio, which carries ASIO_STANDALONE, the thread library and,
# for clang, ASIO_HAS_CO_AWAIT=1: Asio before 1.27 detects C++20 coroutines on g++ and MSVC only,
# so without it clang++ 14 compiles none of Asio's awaitable support.
#
# Result variables: Asio_FOUND, Asio_INCLUDE_DIR, Asio_VERSION.
include_guard(GLOBAL)

find_path(Asio_INCLUDE_DIR NAMES asio.hpp PATH_SUFFIXES include)

if(Asio_INCLUDE_DIR AND EXISTS "${Asio_INCLUDE_DIR}/asio/version.hpp")
  file(STRINGS "${Asio_INCLUDE_DIR}/asio/version.hpp" _asio_version_line
       REGEX "^#define ASIO_VERSION [0-9]+")
  string(REGEX REPLACE "^#define ASIO_VERSION ([0-9]+).*" "\\1" _asio_version "${_asio_version_line}")
  math(EXPR _asio_major "${_asio_version} / 100000")
  math(EXPR _asio_minor "${_asio_version} / 100 % 1000")
  math(EXPR _asio_patch "${_asio_version} % 100")
  set(Asio_VERSION "${_asio_major}.${_asio_minor}.${_asio_patch}")
  unset(_asio_version_line)
  unset(_asio_version)
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Asio REQUIRED_VARS Asio_INCLUDE_DIR VERSION_VAR Asio_VERSION)
mark_as_advanced(Asio_INCLUDE_DIR)

if(Asio_FOUND AND NOT TARGET Asio::Asio)
  if(NOT TARGET Threads::Threads)
    set(THREADS_PREFER_PTHREAD_FLAG ON)
    find_package(Threads REQUIRED)
  endif()
  add_library(Asio::Asio INTERFACE IMPORTED)
  set_target_properties(Asio::Asio PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${Asio_INCLUDE_DIR}")
  target_compile_definitions(Asio::Asio INTERFACE ASIO_STANDALONE ASIO_NO_DEPRECATED
                             "$<$<CXX_COMPILER_ID:Clang>:ASIO_HAS_CO_AWAIT=1>")
  target_link_libraries(Asio::Asio INTERFACE Threads::Threads)
endif()
