/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What boot0-window.c and boot0-window-jobs.c share. */
#pragma once

#include "boot0-log-view.h"
#include "boot0-memory-map.h"
#include "boot0-window.h"

G_BEGIN_DECLS

/* The operation running on the device; one at a time. */
typedef enum
{
  BOOT0_WINDOW_OP_NONE,
  BOOT0_WINDOW_OP_PROGRAM,
  BOOT0_WINDOW_OP_ERASE,
  BOOT0_WINDOW_OP_VERIFY,
  BOOT0_WINDOW_OP_READ,
  BOOT0_WINDOW_OP_RUN,
  /* Reading one word to learn the protection state: quiet, no progress. */
  BOOT0_WINDOW_OP_PROBE,
} Boot0WindowOp;

typedef enum
{
  BOOT0_WINDOW_RESULT_SUCCESS,
  BOOT0_WINDOW_RESULT_ERROR,
  BOOT0_WINDOW_RESULT_CANCELLED,
} Boot0WindowResult;

struct _Boot0Window
{
  GtkApplicationWindow parent_instance;

  GSettings *settings;
  Boot0UsbContext *usb;

  /* Boot0Device, in the picker's order. */
  GPtrArray *devices;
  /* The selected device; NULL shows the "no device" page. */
  Boot0Device *device;
  gboolean updating_picker;

  Boot0Firmware *firmware;
  GFile *firmware_file;
  char *firmware_name;
  char *firmware_sha256;
  GCancellable *load_cancellable;

  /* The Program plan for the device and firmware, or why there is none. */
  Boot0Plan *plan;
  GError *plan_error;
  gboolean address_unlocked;
  /* The user chose to program a file whose DFU suffix names another device. */
  gboolean suffix_ignored;
  /* The device whose probe failed: not probed again (a loop otherwise). */
  Boot0Device *probe_failed;
  gboolean address_valid;
  guint32 address;

  gboolean log_visible;

  /* The running operation. */
  Boot0WindowOp op;
  Boot0Device *op_device;
  GCancellable *cancellable;
  Boot0Job *job;
  /* Erase-only plans still to run after the current job. */
  GPtrArray *pending_plans;
  guint op_part;
  guint op_parts;
  int last_stage;
  gint64 op_start;
  gint64 last_progress_log;
  char *read_path;
  GMutex read_lock;
  guint64 read_done;
  guint64 read_total;
  gboolean read_idle_pending;
  gboolean close_pending;

  GtkFileChooserNative *chooser;
  /* The UART connect dialog while it is open (weak). */
  GtkWindow *uart_dialog;

  /* Template children. */
  GtkButton *open_button;
  GtkToggleButton *log_button;
  GtkMenuButton *recent_button;
  GMenu *recent_menu;
  GtkRevealer *result_revealer;
  GtkWidget *result_box;
  GtkImage *result_icon;
  GtkLabel *result_title;
  GtkLabel *result_detail;
  GtkWidget *udev_box;
  GtkLabel *udev_command_label;
  GtkButton *install_rule_button;
  GtkWidget *content_box;
  GtkStack *main_stack;
  GtkLabel *preload_label;
  GtkLabel *usb_error_label;
  GtkLabel *watching_label;
  GtkSpinner *watching_spinner;
  GtkLabel *device_name_label;
  GtkWidget *disconnect_button;
  GtkDropDown *device_picker;
  GtkStringList *device_model;
  GtkLabel *bootloader_label;
  GtkWidget *serial_title_label;
  GtkLabel *serial_label;
  GtkLabel *path_title_label;
  GtkLabel *path_label;
  GtkLabel *flash_label;
  GtkLabel *memories_label;
  GtkLabel *protection_label;
  GtkLabel *firmware_summary_label;
  GtkStack *firmware_stack;
  GtkWidget *recent_box;
  GtkLabel *format_label;
  GtkLabel *size_label;
  GtkLabel *segments_label;
  GtkLabel *crc_label;
  GtkLabel *sha_label;
  GtkLabel *suffix_label;
  GtkWidget *suffix_title_label;
  GtkToggleButton *suffix_override_button;
  GtkWidget *suffix_warning_box;
  GtkLabel *suffix_warning_label;
  GtkWidget *address_box;
  GtkLabel *address_label;
  GtkLabel *address_hint_label;
  GtkToggleButton *unlock_button;
  GtkRevealer *address_revealer;
  GtkEntry *address_entry;
  GtkLabel *address_error_label;
  Boot0MemoryMap *memory_map;
  GtkStack *bottom_stack;
  GtkCheckButton *erase_needed_check;
  GtkCheckButton *erase_all_check;
  GtkCheckButton *verify_check;
  GtkCheckButton *run_check;
  GtkImage *status_icon;
  GtkLabel *status_label;
  GtkButton *program_button;
  GtkLabel *step_label;
  GtkLabel *steps_label;
  GtkProgressBar *progress_bar;
  GtkLabel *progress_detail_label;
  GtkRevealer *log_revealer;
  Boot0LogView *log_view;
};

/* boot0-window.c */
void boot0_window_log (Boot0Window *self, gboolean verbose_only, const char *format, ...)
    G_GNUC_PRINTF (3, 4);
/* Enables actions and refreshes the status line, pages and progress area. */
void boot0_window_update_state (Boot0Window *self);
/* The options Program uses (settings + start address). */
void boot0_window_get_plan_options (Boot0Window *self, Boot0PlanOptions *options);
/* title starts with "Done", "Failed" or "Cancelled" (tests read it);
 * detail is Pango markup. */
void boot0_window_show_result (Boot0Window *self, Boot0WindowResult result, const char *title,
                               const char *detail_markup, gboolean offer_udev_rule);
void boot0_window_clear_result (Boot0Window *self);
/* After an operation: follow devices that left or arrived meanwhile. */
void boot0_window_sync_devices (Boot0Window *self);
/* Plans again (the device or the options changed). */
void boot0_window_refresh_plan (Boot0Window *self);
void boot0_window_update_device_card (Boot0Window *self);
void boot0_window_remember_folder (Boot0Window *self, GFile *file);
/* "4.2 s", "2 min 5 s". */
char *boot0_window_format_duration (gint64 usec);

/* boot0-window-jobs.c */
gboolean boot0_window_is_busy (Boot0Window *self);
void boot0_window_start_program (Boot0Window *self);
void boot0_window_start_erase (Boot0Window *self);
void boot0_window_start_verify (Boot0Window *self);
void boot0_window_start_read (Boot0Window *self, GFile *file);
void boot0_window_start_run (Boot0Window *self);
void boot0_window_start_probe (Boot0Window *self);
void boot0_window_cancel (Boot0Window *self);
/* Where Run starts the firmware; FALSE when unknown. */
gboolean boot0_window_get_run_address (Boot0Window *self, guint32 *address);
void boot0_window_install_udev_rule (Boot0Window *self);
/* The command the udev banner shows (and runs). */
char *boot0_window_get_udev_command (Boot0Window *self);

G_END_DECLS
