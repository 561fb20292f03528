/* SPDX-License-Identifier: GPL-3.0-or-later */
/* boot0: the desktop application. */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "boot0-application.h"

int
main (int argc, char *argv[])
{
  g_autoptr (Boot0Application) app = NULL;
  g_autoptr (GError) error = NULL;

  /* Boot0 draws a few static boxes: GTK's software renderer is plenty, and
   * not opening GL saves the GPU driver's start-up and its memory (Mesa's
   * llvmpipe alone maps ~45 MiB). Setting GSK_RENDERER restores GTK's own
   * choice. */
  if (g_getenv ("GSK_RENDERER") == NULL && g_getenv ("GDK_DEBUG") == NULL)
    {
      g_setenv ("GSK_RENDERER", "cairo", TRUE);
      g_setenv ("GDK_DEBUG", "gl-disable", TRUE);
    }

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (!boot0_application_check_schema (&error))
    {
      g_printerr ("boot0: %s\n", error->message);
      return 1;
    }
  app = boot0_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
