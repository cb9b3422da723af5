// SPDX-License-Identifier: LGPL-2.1-only
// Umbrella header for libxsxlate, the sans-I/O translation core.
#pragma once
#include "xsxlate/dirpart.h"
#include "xsxlate/domid.h"
#include "xsxlate/paths.h"
#include "xsxlate/rules.h"
#include "xsxlate/translator.h"
#include "xsxlate/validate.h"
#include "xsxlate/watch.h"
#include "xsxlate/wire.h"
