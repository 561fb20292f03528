/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What both emulators do with the command they run. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The emulator's exit status for its command's wait status: the command's
 * own, 128 + signal when it was killed (as shells report it). */
int emu_exit_status (gint wait_status);

G_END_DECLS
