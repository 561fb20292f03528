/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Everything libboot0-core offers. */
#pragma once

#include "boot0-error.h"
#include "boot0-crc.h"
#include "boot0-firmware.h"
#include "boot0-dfu-suffix.h"
#include "boot0-dfuse-layout.h"
#include "boot0-chip-db.h"
#include "boot0-device.h"
#include "boot0-plan.h"
#include "boot0-job.h"
#include "boot0-quirks.h"
#include "boot0-dfu.h"
#include "boot0-dfuse-device.h"
#include "boot0-usb.h"
#include "boot0-serial-port.h"
#include "boot0-uart-entry.h"
#include "boot0-uart-device.h"
