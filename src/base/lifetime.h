// Letting a command-line process end without taking its largest structures apart.
#pragma once

#include <memory>

namespace silta {

// Called by a program's main(): from then on KeepUntilProcessExit keeps what it is given.
// Libraries, tests and the service never call it, so there it keeps nothing.
void EnableKeepUntilProcessExit();

// Keeps `object` alive until the process exits, without ever destroying it, when the program
// enabled it. Freeing the compiled definitions of a short `silta validate` run (tens of
// thousands of small objects) took about 4 % of the run only to hand memory back to an
// operating system that reclaims it at exit anyway. The objects stay reachable, so leak
// checkers do not report them.
void KeepUntilProcessExit(std::shared_ptr<const void> object);

}  // namespace silta
