/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Small helpers shared by the test binaries. */
#pragma once

#include "boot0-core.h"

G_BEGIN_DECLS

/* A temporary directory for one test binary; removed by the caller with
 * boot0_test_rm_rf(). */
char *boot0_test_mkdtemp (void);
void boot0_test_rm_rf (const char *path);

/* Writes data to dir/name and returns the path. */
char *boot0_test_write_file (const char *dir, const char *name, const guint8 *data, gsize len);

/* Runs an external tool named by an environment variable (OBJCOPY, SREC_CAT,
 * DFU_SUFFIX) with arguments; fails the test if the variable is unset, the
 * tool is missing or it exits non-zero. Returns its stdout. */
char *boot0_test_run_tool (const char *env_var, const char *const *args);
/* Same, but returns the exit status instead of failing; stdout/stderr are
 * returned when the pointers are not NULL. */
int boot0_test_run_tool_status (const char *env_var, const char *const *args, char **out,
                                char **err);

/* Deterministic pseudo-random bytes (xorshift) for generated images. */
void boot0_test_fill_random (guint8 *buf, gsize len, guint32 seed);

/* Asserts that two images have the same segments (addresses and bytes). */
void boot0_test_assert_same_segments (Boot0Firmware *a, Boot0Firmware *b);

/* Asserts that segment idx of fw is at address in alternate setting 0 and
 * holds exactly data. */
void boot0_test_assert_segment (Boot0Firmware *fw, guint idx, guint32 address, const guint8 *data,
                                gsize len);
/* Asserts that fw has an entry point and that it is expected. */
void boot0_test_assert_entry (Boot0Firmware *fw, guint32 expected);

typedef struct
{
  guint32 address;
  gsize size;
} Boot0TestRegion;

/* An image with deterministic random bytes in the given regions. */
Boot0Firmware *boot0_test_make_image (const Boot0TestRegion *regions, guint n_regions,
                                      guint32 seed);
/* The image as one buffer from its lowest address, gaps filled with fill. */
guint8 *boot0_test_flatten (Boot0Firmware *fw, guint8 fill, gsize *len);
/* Asserts that the file at path holds exactly expected. */
void boot0_test_assert_file_contents (const char *path, const guint8 *expected, gsize expected_len);

/* Asserts error domain/code and that the message contains a substring. */
#define boot0_test_assert_error(err, code, substr)                                                 \
  G_STMT_START                                                                                     \
  {                                                                                                \
    g_assert_error ((err), BOOT0_ERROR, (code));                                                   \
    if (strstr ((err)->message, (substr)) == NULL)                                                 \
      g_error ("error message '%s' lacks '%s'", (err)->message, (substr));                         \
  }                                                                                                \
  G_STMT_END

G_END_DECLS
