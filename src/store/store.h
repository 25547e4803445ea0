// Database plumbing shared by the sync journal and the serve queue: where a store lives (a
// SQLite file or a PostgreSQL URI), the PostgreSQL connection over libpq, and the versioned
// schema both backends migrate on start-up.
#pragma once

#include "store/pg.h"
#include "store/schema.h"
#include "store/sqlite.h"
