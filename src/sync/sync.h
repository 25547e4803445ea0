// Facade of sync: pushing client records to the FHIR servers of their governance levels and
// pulling their changes back (engine.h), the policy that says which target governs which AKUSTI
// item (routing.h), the per-target projection of a resource (projection.h) and the journal of
// what each server confirmed (journal.h). See src/sync/README.md and docs/sync.md.
#pragma once

#include "sync/engine.h"
#include "sync/journal.h"
#include "sync/projection.h"
#include "sync/routing.h"
