# Dependencies: installed packages first. With AIOSMPP_FETCH_DEPS=ON a missing one is fetched from
# its official release; nothing is downloaded by default.
include_guard(GLOBAL)

set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)

if(AIOSMPP_FETCH_DEPS)
  include(FetchContent)
endif()

find_package(fmt 9 QUIET)
if(NOT fmt_FOUND)
  if(NOT AIOSMPP_FETCH_DEPS)
    message(FATAL_ERROR "aiosmpp: fmt >= 9 not found. Install it (Debian: libfmt-dev) "
                        "or configure with -DAIOSMPP_FETCH_DEPS=ON.")
  endif()
  FetchContent_Declare(fmt URL https://github.com/fmtlib/fmt/releases/download/9.1.0/fmt-9.1.0.zip
                           SYSTEM)
  set(FMT_INSTALL ${AIOSMPP_INSTALL} CACHE BOOL "" FORCE)
  FetchContent_MakeAvailable(fmt)
endif()

find_package(nlohmann_json 3.10 QUIET)
if(NOT nlohmann_json_FOUND)
  if(NOT AIOSMPP_FETCH_DEPS)
    message(FATAL_ERROR "aiosmpp: nlohmann_json >= 3.10 not found. Install it (Debian: "
                        "nlohmann-json3-dev) or configure with -DAIOSMPP_FETCH_DEPS=ON.")
  endif()
  FetchContent_Declare(nlohmann_json
    URL https://github.com/nlohmann/json/releases/download/v3.11.2/json.tar.xz
    SYSTEM)
  set(JSON_Install ${AIOSMPP_INSTALL} CACHE BOOL "" FORCE)
  FetchContent_MakeAvailable(nlohmann_json)
endif()

find_package(Asio 1.22 QUIET)
if(NOT Asio_FOUND)
  if(NOT AIOSMPP_FETCH_DEPS)
    message(FATAL_ERROR "aiosmpp: standalone Asio >= 1.22 not found. Install it (Debian: "
                        "libasio-dev) or configure with -DAIOSMPP_FETCH_DEPS=ON.")
  endif()
  FetchContent_Declare(asio
    URL https://github.com/chriskohlhoff/asio/archive/refs/tags/asio-1-22-1.tar.gz
    SYSTEM)
  FetchContent_MakeAvailable(asio)
  set(Asio_ROOT "${asio_SOURCE_DIR}/asio")
  find_package(Asio 1.22 REQUIRED)
endif()
