include_guard(GLOBAL)

# Warnings for aiosmpp's own targets only; consumers' flags are theirs.
# -Wconversion and -Wshadow catch the integer narrowing and name reuse that a byte codec is most
# prone to; -Wno-missing-field-initializers keeps designated-initialiser aggregates readable.
function(aiosmpp_set_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE
      -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow -Wnon-virtual-dtor
      -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough
      -Wno-missing-field-initializers)
    if(AIOSMPP_WARNINGS_AS_ERRORS)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
  elseif(MSVC)
    target_compile_options(${target} PRIVATE /W4 /permissive- $<$<BOOL:${AIOSMPP_WARNINGS_AS_ERRORS}>:/WX>)
  endif()
endfunction()
