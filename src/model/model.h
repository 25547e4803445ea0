// Facade of the model module: the FHIR type model and the element tree.
#pragma once

#include "model/element.h"
#include "model/type_model.h"
