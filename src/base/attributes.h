// Compiler attributes the code base uses, spelled once.
#pragma once

// Marks a parameter whose referent the return value views, so that clang warns when a
// temporary is passed and the result outlives it (FHIRPath values view text they do not own).
#if defined(__clang__) && defined(__has_cpp_attribute)
#if __has_cpp_attribute(clang::lifetimebound)
#define SILTA_LIFETIMEBOUND [[clang::lifetimebound]]
#endif
#endif
#ifndef SILTA_LIFETIMEBOUND
#define SILTA_LIFETIMEBOUND
#endif
