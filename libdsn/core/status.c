/* Enhanced status codes: RFC 3463 and the later codes of the IANA "Enumerated
 * Status Codes" registry (RFC 3886, 4468, 4865, 4954, 5248, 6710, 7293, 7372,
 * 7505, 8098). A fixed table, compiled in.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "core.h"

#include <pthread.h>
#include <string.h>

static const struct {
  const char *code; /* subject.detail */
  const char *text;
} codes[] = {
  { "0.0", "Other undefined status" },
  { "1.0", "Other address status" },
  { "1.1", "Bad destination mailbox address" },
  { "1.2", "Bad destination system address" },
  { "1.3", "Bad destination mailbox address syntax" },
  { "1.4", "Destination mailbox address ambiguous" },
  { "1.5", "Destination address valid" },
  { "1.6", "Destination mailbox has moved, no forwarding address" },
  { "1.7", "Bad sender's mailbox address syntax" },
  { "1.8", "Bad sender's system address" },
  { "1.9", "Message relayed to non-compliant mailer" },
  { "1.10", "Recipient address has null MX" },
  { "2.0", "Other or undefined mailbox status" },
  { "2.1", "Mailbox disabled, not accepting messages" },
  { "2.2", "Mailbox full" },
  { "2.3", "Message length exceeds administrative limit" },
  { "2.4", "Mailing list expansion problem" },
  { "3.0", "Other or undefined mail system status" },
  { "3.1", "Mail system full" },
  { "3.2", "System not accepting network messages" },
  { "3.3", "System not capable of selected features" },
  { "3.4", "Message too big for system" },
  { "3.5", "System incorrectly configured" },
  { "3.6", "Requested priority was changed" },
  { "4.0", "Other or undefined network or routing status" },
  { "4.1", "No answer from host" },
  { "4.2", "Bad connection" },
  { "4.3", "Directory server failure" },
  { "4.4", "Unable to route" },
  { "4.5", "Mail system congestion" },
  { "4.6", "Routing loop detected" },
  { "4.7", "Delivery time expired" },
  { "5.0", "Other or undefined protocol status" },
  { "5.1", "Invalid command" },
  { "5.2", "Syntax error" },
  { "5.3", "Too many recipients" },
  { "5.4", "Invalid command arguments" },
  { "5.5", "Wrong protocol version" },
  { "5.6", "Authentication exchange line is too long" },
  { "6.0", "Other or undefined media error" },
  { "6.1", "Media not supported" },
  { "6.2", "Conversion required and prohibited" },
  { "6.3", "Conversion required but not supported" },
  { "6.4", "Conversion with loss performed" },
  { "6.5", "Conversion failed" },
  { "6.6", "Message content not available" },
  { "6.7", "Non-ASCII addresses not permitted for that sender/recipient" },
  { "6.8", "UTF-8 string reply is required, but not permitted by the SMTP client" },
  { "6.9", "UTF-8 header message cannot be transferred to one or more recipients" },
  { "6.10", "Reserved" },
  { "7.0", "Other or undefined security status" },
  { "7.1", "Delivery not authorized, message refused" },
  { "7.2", "Mailing list expansion prohibited" },
  { "7.3", "Security conversion required but not possible" },
  { "7.4", "Security features not supported" },
  { "7.5", "Cryptographic failure" },
  { "7.6", "Cryptographic algorithm not supported" },
  { "7.7", "Message integrity failure" },
  { "7.8", "Authentication credentials invalid" },
  { "7.9", "Authentication mechanism is too weak" },
  { "7.10", "Encryption needed" },
  { "7.11", "Encryption required for requested authentication mechanism" },
  { "7.12", "A password transition is needed" },
  { "7.13", "User account disabled" },
  { "7.14", "Trust relationship required" },
  { "7.15", "Priority level is too low" },
  { "7.16", "Message is too big for the specified priority" },
  { "7.17", "Mailbox owner has changed" },
  { "7.18", "Domain owner has changed" },
  { "7.19", "RRVS test cannot be completed" },
  { "7.20", "No passing DKIM signature found" },
  { "7.21", "No acceptable DKIM signature found" },
  { "7.22", "No valid author-matched DKIM signature found" },
  { "7.23", "SPF validation failed" },
  { "7.24", "SPF validation error" },
  { "7.25", "Reverse DNS validation failed" },
  { "7.26", "Multiple authentication checks failed" },
  { "7.27", "Sender address has null MX" },
  { "7.28", "Mail flood detected" },
  { "7.29", "ARC validation failure" },
  { "7.30", "REQUIRETLS support required" },
};

static const char *const classes[] = {
  [2] = "Success",
  [4] = "Persistent transient failure",
  [5] = "Permanent failure",
};

const char *
dsn_status_describe (const char *status)
{
  if (!status || (status[0] != '2' && status[0] != '4' && status[0] != '5') || status[1] != '.')
    return NULL;
  const char *rest = status + 2;
  for (gsize i = 0; i < G_N_ELEMENTS (codes); i++)
    if (strcmp (codes[i].code, rest) == 0)
      return codes[i].text;
  /* X.Y.Z with an unregistered detail: describe the subject (RFC 3463 §3). */
  const char *dot = strchr (rest, '.');
  if (!dot)
    return NULL;
  g_autofree char *subject0 = g_strdup_printf ("%.*s.0", (int)(dot - rest), rest);
  for (gsize i = 0; i < G_N_ELEMENTS (codes); i++)
    if (strcmp (codes[i].code, subject0) == 0)
      return codes[i].text;
  return classes[status[0] - '0'];
}

/* Descriptions that say something of their own: not X.0.0's, nor those
 * too short or too common to be the code's (Mailbox full, Syntax error: the
 * rules read those words anyway). */
static gboolean
telling (const char *text)
{
  if (!strcmp (text, "Other undefined status") || !strcmp (text, "Reserved"))
    return FALSE;
  guint words = 1;
  for (const char *p = text; *p; p++)
    words += *p == ' ';
  return words >= 3;
}

/* The telling descriptions in lower case (NULL for the others), made once:
 * a text is then lowered once and searched with strstr(), not with a
 * case-insensitive search per description. */
static const char *lower_codes[G_N_ELEMENTS (codes)];
static pthread_once_t lower_once = PTHREAD_ONCE_INIT;

static void
lower_init (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (codes); i++)
    lower_codes[i] = telling (codes[i].text) ? g_ascii_strdown (codes[i].text, -1) : NULL;
}

const char *
dsn_status_find_description (const char *text, char cls, char out[static 12])
{
  if (!text || (cls != '4' && cls != '5'))
    return NULL;
  pthread_once (&lower_once, lower_init);
  g_autofree char *lower = dsn_text_lower (text, strlen (text));
  const char *best = NULL;
  gsize best_len = 0;
  for (gsize i = 0; i < G_N_ELEMENTS (codes); i++) {
    gsize n = strlen (codes[i].text);
    /* The longest description found: "Bad destination mailbox address
     * syntax" over "Bad destination mailbox address". */
    if (n > best_len && lower_codes[i] && strstr (lower, lower_codes[i])) {
      best = codes[i].code;
      best_len = n;
    }
  }
  if (!best)
    return NULL;
  g_snprintf (out, 12, "%c.%s", cls, best);
  return out;
}
