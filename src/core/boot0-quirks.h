/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Bootloader oddities as data: data/quirks.ini keyed by VID:PID[:bcdDevice]. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  /* The device holds off (NAKs) a GETSTATUS until its flash operation is
   * done, so polling at once is safe and wastes no time (ST's DFU class). */
  gboolean early_poll;
  /* Upper bounds for an operation, whatever bwPollTimeout says. */
  guint erase_timeout_ms;
  guint mass_erase_timeout_ms;
  guint write_timeout_ms;
  /* GETSTATUS sent while the device is busy is stalled rather than held
   * off (L4): a stall then means "still busy, ask again". */
  gboolean busy_stalls_getstatus;
  /* The device leaves without answering the final GETSTATUS (GD32). */
  gboolean leave_no_answer;
  /* Treat a memory named "Device Feature" as erasable (dfu-util). */
  gboolean device_feature_erasable;
  /* The device needs longer than its bwPollTimeout says: never poll before
   * this many ms (0 = trust the device). */
  guint min_poll_ms;
} Boot0Quirks;

/* Defaults, then the [VID:PID] group, then [VID:PID:bcdDevice], from the
 * quirk file compiled into the core. */
void boot0_quirks_lookup (Boot0Quirks *quirks, guint16 vid, guint16 pid, guint16 bcd_device);

/* The same from keyfile text, for tests; FALSE with an error naming the
 * group and key when the text is not valid. */
gboolean boot0_quirks_lookup_in_data (Boot0Quirks *quirks, const char *data, gsize len, guint16 vid,
                                      guint16 pid, guint16 bcd_device, GError **error);

G_END_DECLS
