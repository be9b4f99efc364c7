# Compiler gates applied to every target of ours (issue: foundation). Third-party headers
# (gtest, rapidcheck) are included as SYSTEM so they do not trip them.
set(CAPOS_WARNINGS
    -Wall -Wextra -Wconversion -Wsign-conversion -Wshadow -Werror
    -Wnon-virtual-dtor -Wold-style-cast -Wimplicit-fallthrough -Wnull-dereference)

function(capos_target_defaults target)
  target_compile_options(${target} PRIVATE ${CAPOS_WARNINGS})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
endfunction()

# Sanitizers for host targets, chosen by the preset (CAPOS_SANITIZE=address,undefined | thread).
set(CAPOS_SANITIZE "" CACHE STRING "Comma-separated -fsanitize= list for host targets")

function(capos_host_target target)
  capos_target_defaults(${target})
  target_compile_definitions(${target} PRIVATE CAPOS_CHECKED_RESULTS=1)
  if(CAPOS_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${CAPOS_SANITIZE}
                           -fno-sanitize-recover=all -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=${CAPOS_SANITIZE})
  endif()
endfunction()
