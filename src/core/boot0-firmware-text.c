/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Line reading and hex decoding shared by the text record formats (Intel
 * HEX and Motorola S-record). */
#include "config.h"

#include <string.h>

#include "boot0-error.h"
#include "boot0-firmware-private.h"

static const char hex_digits[] = "0123456789ABCDEF";

static gboolean
is_space (guint8 c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

gboolean
boot0_text_line_reader_next (Boot0TextLineReader *reader, const guint8 **line, gsize *line_len)
{
  const guint8 *start;
  const guint8 *nl;
  gsize end;

  if (reader->pos >= reader->len)
    return FALSE;
  start = reader->data + reader->pos;
  nl = memchr (start, '\n', reader->len - reader->pos);
  end = nl != NULL ? (gsize)(nl - start) : reader->len - reader->pos;
  reader->pos += end + (nl != NULL ? 1 : 0);
  reader->lineno++;
  while (end > 0 && is_space (start[end - 1]))
    end--;
  *line = start;
  *line_len = end;
  return TRUE;
}

int
boot0_text_hex_value (guint8 c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  c |= 0x20; /* 'A'..'F' -> 'a'..'f'; nothing else lands there */
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

char *
boot0_text_describe_char (guint8 c)
{
  if (c >= 0x20 && c < 0x7F)
    return g_strdup_printf ("'%c'", c);
  return g_strdup_printf ("byte 0x%02X", c);
}

gboolean
boot0_text_decode_hex (const guint8 *line, gsize line_len, gsize first, guint lineno, guint8 *rec,
                       gsize *n_bytes, GError **error)
{
  gsize n_digits = line_len - first;

  for (gsize i = first; i < line_len; i++)
    {
      if (boot0_text_hex_value (line[i]) < 0)
        {
          g_autofree char *what = boot0_text_describe_char (line[i]);
          g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                       "line %u, column %" G_GSIZE_FORMAT
                       ": invalid character %s, expected a hex digit",
                       lineno, i + 1, what);
          return FALSE;
        }
    }
  if (n_digits % 2 != 0)
    {
      g_set_error (error, BOOT0_ERROR, BOOT0_ERROR_INVALID_FILE,
                   "line %u: odd number of hex digits (%" G_GSIZE_FORMAT ")", lineno, n_digits);
      return FALSE;
    }
  for (gsize i = 0; i < n_digits / 2; i++)
    rec[i] = (guint8)(boot0_text_hex_value (line[first + 2 * i]) << 4 |
                      boot0_text_hex_value (line[first + 1 + 2 * i]));
  *n_bytes = n_digits / 2;
  return TRUE;
}

char *
boot0_text_put_hex_byte (char *p, guint8 b)
{
  *p++ = hex_digits[b >> 4];
  *p++ = hex_digits[b & 0xF];
  return p;
}
