/* IP addresses read and classified without a GObject.
 *
 * The analysis reads addresses in every Received field and reply; a
 * GInetAddress for each (an object made, its type checked, then freed)
 * cost more than the rest of that reading. These answer as GLib's
 * g_inet_address_new_from_string() (inet_pton), g_inet_address_get_is_*()
 * and g_inet_address_to_string() (inet_ntop) do, which tests/test-text.c
 * checks.
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "core.h"

#include <arpa/inet.h>
#include <string.h>

gboolean
dsn_ip_parse_len (const char *s, gsize len, DsnIp *ip)
{
  /* The longest text form: an IPv6 address ending in an IPv4 one. */
  char buf[INET6_ADDRSTRLEN + 1];
  if (len >= sizeof buf || memchr (s, '\0', len))
    return FALSE;
  memcpy (buf, s, len);
  buf[len] = '\0';
  memset (ip, 0, sizeof *ip);
  if (inet_pton (AF_INET, buf, ip->bytes) > 0) {
    ip->v6 = FALSE;
    return TRUE;
  }
  if (inet_pton (AF_INET6, buf, ip->bytes) > 0) {
    ip->v6 = TRUE;
    return TRUE;
  }
  return FALSE;
}

gboolean
dsn_ip_parse (const char *s, DsnIp *ip)
{
  return dsn_ip_parse_len (s, strlen (s), ip);
}

guint
dsn_ip_flags (const DsnIp *ip)
{
  const guint8 *b = ip->bytes;
  guint f = 0;
  if (!ip->v6) {
    guint32 a = (guint32)b[0] << 24 | (guint32)b[1] << 16 | (guint32)b[2] << 8 | b[3];
    if (a == 0)
      f |= DSN_IP_ANY;
    if ((a & 0xff000000) == 0x7f000000)
      f |= DSN_IP_LOOPBACK;
    if ((a & 0xffff0000) == 0xa9fe0000)
      f |= DSN_IP_LINK_LOCAL;
    if ((a & 0xff000000) == 0x0a000000 || (a & 0xfff00000) == 0xac100000
        || (a & 0xffff0000) == 0xc0a80000)
      f |= DSN_IP_SITE_LOCAL;
    if ((a & 0xf0000000) == 0xe0000000)
      f |= DSN_IP_MULTICAST;
    return f;
  }
  static const guint8 zero[16];
  if (!memcmp (b, zero, 16))
    f |= DSN_IP_ANY;
  if (!memcmp (b, zero, 15) && b[15] == 1)
    f |= DSN_IP_LOOPBACK;
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
    f |= DSN_IP_LINK_LOCAL;
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)
    f |= DSN_IP_SITE_LOCAL;
  if (b[0] == 0xff)
    f |= DSN_IP_MULTICAST;
  if ((b[0] & 0xfe) == 0xfc)
    f |= DSN_IP_UNIQUE_LOCAL;
  return f;
}

char *
dsn_ip_to_string (const DsnIp *ip)
{
  char buf[INET6_ADDRSTRLEN];
  if (!inet_ntop (ip->v6 ? AF_INET6 : AF_INET, ip->bytes, buf, sizeof buf))
    return NULL;
  return g_strdup (buf);
}

gboolean
dsn_ip_in_net (const DsnIp *ip, const DsnIp *net, guint prefix)
{
  if (ip->v6 != net->v6 || prefix > (ip->v6 ? 128u : 32u))
    return FALSE;
  guint full = prefix / 8, rest = prefix % 8;
  if (memcmp (ip->bytes, net->bytes, full) != 0)
    return FALSE;
  return !rest || !((ip->bytes[full] ^ net->bytes[full]) & (0xff << (8 - rest)));
}
