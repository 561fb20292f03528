/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The floor for bench-gui.py's first-frame figure: a window as small as GTK 4
 * makes one (header bar and a label), at Boot0's default size and with
 * Boot0's renderer choice, started and timed the same way. */
#include <gtk/gtk.h>

static void
activate_cb (GtkApplication *app)
{
  GtkWidget *window = gtk_application_window_new (app);

  gtk_window_set_titlebar (GTK_WINDOW (window), gtk_header_bar_new ());
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 700);
  gtk_window_set_child (GTK_WINDOW (window), gtk_label_new ("Connect a board in bootloader mode"));
  gtk_window_present (GTK_WINDOW (window));
}

int
main (int argc, char *argv[])
{
  g_autoptr (GtkApplication) app = NULL;

  /* As src/app/main.c does. */
  if (g_getenv ("GSK_RENDERER") == NULL && g_getenv ("GDK_DEBUG") == NULL)
    {
      g_setenv ("GSK_RENDERER", "cairo", TRUE);
      g_setenv ("GDK_DEBUG", "gl-disable", TRUE);
    }
  app = gtk_application_new ("io.github.boot0.BenchMinimalWindow", G_APPLICATION_DEFAULT_FLAGS);
  g_signal_connect (app, "activate", G_CALLBACK (activate_cb), NULL);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
