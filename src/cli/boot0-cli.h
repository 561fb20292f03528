/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shared pieces of boot0-cli's commands. */
#pragma once

#include <glib.h>
#include <sysexits.h>

#include "boot0-core.h"

G_BEGIN_DECLS

/* Exit status after Ctrl-C, as shells report a SIGINT death. */
#define BOOT0_CLI_EXIT_INTERRUPTED 130

typedef struct
{
  char *serial;
  char *path;
  gboolean wait;
  int timeout;
  gboolean json;
  /* UART (AN3155) instead of USB */
  char *uart;
  int baud; /* 0 = BOOT0_UART_DEFAULT_BAUD */
  char *parity;
  char *entry;
} Boot0CliDeviceOptions;

/* Adds --uart, --baud, --parity and --entry (shown with --help), and
 * --serial, --path, --wait, --timeout and --json (--help-device). */
void boot0_cli_device_options_add (GOptionContext *context, Boot0CliDeviceOptions *opts);
void boot0_cli_device_options_clear (Boot0CliDeviceOptions *opts);
/* Finds the one device the options select (waiting if asked). A UART
 * device is opened here, since its chip and flash layout are known only
 * once it answered (*ctx_out is then NULL); a USB device is not. Returns
 * EX_OK, or prints why not and returns the exit code. */
int boot0_cli_find_device (const Boot0CliDeviceOptions *opts, Boot0UsbContext **ctx_out,
                           Boot0Device **device_out);
/* For commands that read or change the flash: refuses (EX_NOPERM, with
 * what to do) a device known to be read-protected. */
int boot0_cli_check_not_protected (Boot0Device *device);

int boot0_cli_list (int argc, char **argv);
int boot0_cli_info (int argc, char **argv);
int boot0_cli_flash (int argc, char **argv);
int boot0_cli_verify (int argc, char **argv);
int boot0_cli_erase (int argc, char **argv);
int boot0_cli_read (int argc, char **argv);
int boot0_cli_run (int argc, char **argv);
int boot0_cli_inspect (int argc, char **argv);
int boot0_cli_convert (int argc, char **argv);
int boot0_cli_ports (int argc, char **argv);
int boot0_cli_protect (int argc, char **argv);
int boot0_cli_unprotect (int argc, char **argv);

/* Prints "boot0-cli: message" to stderr and returns the sysexits code that
 * fits the error. */
int boot0_cli_fail (const GError *error);
/* The same for a usage problem: prints the message and a hint, EX_USAGE. */
int boot0_cli_usage (const char *command, const char *message);

/* Loads a firmware file for a command. Returns EX_OK and sets *firmware,
 * or prints the error and returns EX_NOINPUT (cannot read), EX_DATAERR
 * (malformed) or another sysexits code. */
int boot0_cli_load_firmware (const char *path, Boot0FirmwareFormat format, guint32 bin_base,
                             Boot0Firmware **firmware);

/* Parses "0x08000000", "134217728" or "0x0800_0000" into a 32-bit value. */
gboolean boot0_cli_parse_u32 (const char *str, guint32 *value, GError **error);

/* Appends str as a JSON string literal (quoted and escaped). */
void boot0_cli_json_string (GString *out, const char *str);

G_END_DECLS
