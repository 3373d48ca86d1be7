/* Backscatter: a bounce for a message the user never sent. Spammers forge
 * the user's address as the sender; a server that accepts their message and
 * then finds the recipient unknown "returns" it to the forged sender.
 *
 * The returned original tells: a DKIM signature of the sender's domain can
 * only come from that domain's servers; a Received chain that never passes
 * through the user's own sending path, or a Message-ID minted elsewhere,
 * points at a forgery.
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "headers.h"

#include <string.h>

typedef enum {
  VERDICT_UNKNOWN,
  VERDICT_GENUINE,
  VERDICT_SUSPICIOUS,
  VERDICT_FORGED,
} Verdict;

struct _DsnBackscatter {
  Verdict verdict;
  GPtrArray *evidence; /* DsnFinding (catalogue/backscatter.keys) */
};

void
dsn_backscatter_free (DsnBackscatter *b)
{
  if (!b)
    return;
  g_ptr_array_unref (b->evidence);
  g_free (b);
}

/* Adds the evidence CODE with NAME, VALUE arguments ending with a NULL
 * name; a NULL value is an unknown argument. */
static void add (DsnBackscatter *b, const char *code, ...) G_GNUC_NULL_TERMINATED;

static void
add (DsnBackscatter *b, const char *code, ...)
{
  va_list ap;
  va_start (ap, code);
  DsnFinding *f = dsn_finding_new_valist (code, ap);
  va_end (ap);
  if (f)
    g_ptr_array_add (b->evidence, f);
}

/* ------------------------------------------------------------ own path */

void
dsn_analyzer_add_own_domain (DsnAnalyzer *an, const char *domain)
{
  g_return_if_fail (an && domain && !dsn_analyzer_sealed (an));
  if (!an->own_domains)
    an->own_domains = g_ptr_array_new_with_free_func (g_free);
  while (*domain == '@' || *domain == '.')
    domain++;
  g_ptr_array_add (an->own_domains, g_ascii_strdown (domain, -1));
}

gboolean
dsn_analyzer_add_own_relay (DsnAnalyzer *an, const char *relay, GError **error)
{
  g_return_val_if_fail (an && relay, FALSE);
  if (dsn_analyzer_sealed (an)) {
    g_set_error (error, DSN_ERROR, DSN_ERROR_USAGE, "relays must be set before analysis");
    return FALSE;
  }
  /* An address or a CIDR block must parse; anything else is a host name. */
  gboolean valid = *relay && !strpbrk (relay, " \t\r\n");
  if (valid && (g_ascii_isdigit (relay[0]) || strchr (relay, ':'))) {
    /* GLib takes a prefix length too long for the address with a warning
     * ("::/200"): it is checked first. */
    const char *slash = strchr (relay, '/');
    g_autofree char *ip = slash ? g_strndup (relay, slash - relay) : g_strdup (relay);
    g_autoptr (GInetAddress) addr = g_inet_address_new_from_string (ip);
    guint64 bits = 0;
    g_autoptr (GInetAddressMask) m = NULL;
    if (addr
        && (!slash
            || g_ascii_string_to_unsigned (slash + 1, 10, 0,
                                           g_inet_address_get_native_size (addr) * 8, &bits, NULL)))
      m = g_inet_address_mask_new_from_string (relay, NULL);
    if (!m
        && (slash || strchr (relay, ':') || !strchr (relay, '.')
            || strspn (relay, "0123456789.") == strlen (relay)))
      valid = FALSE;
  }
  if (!valid) {
    g_set_error (error, DSN_ERROR, DSN_ERROR_USAGE, "invalid address or network \"%s\"", relay);
    return FALSE;
  }
  if (!an->own_relays)
    an->own_relays = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (an->own_relays, g_ascii_strdown (relay, -1));
  return TRUE;
}

static gboolean
host_matches (const char *host, const char *pattern)
{
  if (!host)
    return FALSE;
  gsize hl = strlen (host), pl = strlen (pattern);
  if (pattern[0] == '.')
    return hl > pl && g_ascii_strcasecmp (host + hl - pl, pattern) == 0;
  if (g_ascii_strcasecmp (host, pattern) == 0)
    return TRUE;
  /* "example.com" also covers its subdomains. */
  return hl > pl && host[hl - pl - 1] == '.' && g_ascii_strcasecmp (host + hl - pl, pattern) == 0;
}

static gboolean
ip_matches (const char *ip, const char *pattern)
{
  if (!ip)
    return FALSE;
  g_autoptr (GInetAddressMask) m = g_inet_address_mask_new_from_string (pattern, NULL);
  g_autoptr (GInetAddress) a = g_inet_address_new_from_string (ip);
  return m && a && g_inet_address_get_family (a) == g_inet_address_mask_get_family (m)
         && g_inet_address_mask_matches (m, a);
}

static gboolean
hop_is_own (const DsnHop *hop, const GPtrArray *relays, const GPtrArray *domains)
{
  for (guint i = 0; relays && i < relays->len; i++) {
    const char *r = relays->pdata[i];
    if (host_matches (hop->by_host, r) || host_matches (hop->from_host, r)
        || ip_matches (hop->from_ip, r))
      return TRUE;
  }
  for (guint i = 0; domains && i < domains->len; i++)
    if (host_matches (hop->by_host, domains->pdata[i]))
      return TRUE;
  return FALSE;
}

/* The Message-ID's right-hand side (RFC 5322 §3.6.4). */
static char *
msgid_domain (const char *id)
{
  if (!id)
    return NULL;
  const char *at = strrchr (id, '@');
  if (!at)
    return NULL;
  gsize n = strcspn (at + 1, "> ");
  return n ? g_ascii_strdown (at + 1, n) : NULL;
}

/* Mail services that mint the Message-IDs of the domains they host: a
 * Message-ID of theirs says nothing about forgery. */
static gboolean
is_hosting_minter (const char *domain)
{
  static const char *const minters[] = {
    "mail.gmail.com",
    "gmail.com",
    "google.com",
    "prod.outlook.com",
    "outlook.com",
    "phx.gbl",
    "hotmail.com",
    "amazonses.com",
    "sendgrid.net",
    "mailgun.org",
    "mailgun.net",
    "mandrillapp.com",
    "mcsv.net",
    "mailchimp.com",
    "sparkpostmail.com",
    "mail.yahoo.com",
    "yahoo.com",
    "zoho.com",
    "zohomail.com",
    "gmx.net",
    "gmx.de",
    "web.de",
    "icloud.com",
    "me.com",
    "protonmail.com",
    "proton.me",
    "fastmail.com",
    "messagingengine.com",
    "infomaniak.ch",
    "ovh.net",
    "mail.ru",
    "yandex.ru",
    NULL,
  };
  for (const char *const *m = minters; *m; m++)
    if (host_matches (domain, *m))
      return TRUE;
  return FALSE;
}

static gboolean
is_public (const char *ip)
{
  DsnIp a;
  return dsn_ip_parse (ip, &a)
         && !(dsn_ip_flags (&a) & (DSN_IP_LOOPBACK | DSN_IP_SITE_LOCAL | DSN_IP_LINK_LOCAL));
}

static gboolean
hop_is_recipient_side (const DsnReport *rep, const DsnHop *hop)
{
  if (!hop->by_host)
    return FALSE;
  for (guint i = 0; i < rep->recipients->len; i++) {
    const DsnRecipient *r = rep->recipients->pdata[i];
    const char *at = r->address ? strrchr (r->address, '@') : NULL;
    if (at && dsn_domain_aligned (hop->by_host, at + 1))
      return TRUE;
  }
  return FALSE;
}

/* Did every hop happen in a failed recipient's domain? Then no server of
 * the sender's ever handled the message: a genuine one passes through its
 * sender's own server first. */
static gboolean
route_is_recipient_side (const DsnReport *rep)
{
  for (guint i = 0; i < rep->original_hops->len; i++)
    if (!hop_is_recipient_side (rep, rep->original_hops->pdata[i]))
      return FALSE;
  return rep->original_hops->len > 0;
}

/* ------------------------------------------------------------ the check */

void
dsn_backscatter_assess (const DsnAnalyzer *an, DsnReport *rep)
{
  DsnBackscatter *b = g_new0 (DsnBackscatter, 1);
  b->evidence = g_ptr_array_new_with_free_func ((GDestroyNotify)dsn_finding_free);
  rep->backscatter = b;
  rep->backscatter_free = (GDestroyNotify)dsn_backscatter_free;

  const char *orig_from = dsn_report_get_original_header (rep, "From");
  if (!orig_from && (!rep->original_hops || !rep->original_hops->len)) {
    add (b, "original.missing", NULL);
    return;
  }
  g_autofree char *from_domain = dsn_text_address_domain (orig_from);
  g_autofree char *bounce_to = dsn_text_address_domain (rep->to);

  /* A DKIM signature by the sender's domain (or the user's) is proof enough. */
  for (guint i = 0; rep->original_dkim && i < rep->original_dkim->len; i++) {
    const char *d = rep->original_dkim->pdata[i];
    gboolean own = dsn_domain_aligned (d, from_domain);
    for (guint j = 0; !own && an->own_domains && j < an->own_domains->len; j++)
      own = dsn_domain_aligned (d, an->own_domains->pdata[j]);
    if (own) {
      add (b, "original.dkim_signed", "domain", d, NULL);
      b->verdict = VERDICT_GENUINE;
      return;
    }
  }
  gboolean any_dkim = rep->original_dkim && rep->original_dkim->len > 0;

  /* The user's sending path, when declared: did the message go through it? */
  if ((an->own_relays && an->own_relays->len) || (an->own_domains && an->own_domains->len)) {
    gboolean through = FALSE;
    for (guint i = 0; rep->original_hops && i < rep->original_hops->len && !through; i++)
      through = hop_is_own (rep->original_hops->pdata[i], an->own_relays, an->own_domains);
    if (through) {
      add (b, "route.own", NULL);
      b->verdict = VERDICT_GENUINE;
      return;
    }
    if (rep->original_hops && rep->original_hops->len) {
      const DsnHop *first = rep->original_hops->pdata[0];
      add (b, "route.foreign", "host", first->by_host, "ip", first->from_ip, NULL);
      b->verdict = VERDICT_FORGED;
    }
  }

  g_autofree char *mid = msgid_domain (dsn_report_get_original_header (rep, "Message-ID"));
  gboolean mid_aligned = mid
                         && (dsn_domain_aligned (mid, from_domain)
                             || dsn_domain_aligned (mid, bounce_to) || is_hosting_minter (mid));
  if (mid && !mid_aligned)
    add (b, "original.message_id_foreign", "minter", mid, "domain", from_domain, NULL);
  if (!any_dkim)
    add (b, "original.unsigned", NULL);
  if (from_domain && bounce_to && !dsn_domain_aligned (from_domain, bounce_to))
    add (b, "original.other_sender", "domain", from_domain, "recipient", bounce_to, NULL);
  /* Spam forged in the user's name typically goes straight from some
   * internet host into the recipient's server, with no signature and no
   * login: a genuine message passes through its sender's own server first. */
  const DsnHop *first
      = rep->original_hops && rep->original_hops->len ? rep->original_hops->pdata[0] : NULL;
  if (b->verdict == VERDICT_UNKNOWN && !any_dkim && first && first->from_ip && !first->authenticated
      && is_public (first->from_ip) && route_is_recipient_side (rep)) {
    add (b, "route.direct", "ip", first->from_ip, NULL);
    b->verdict = VERDICT_SUSPICIOUS;
  }
}

/* ------------------------------------------------------------ output */

static const char *const verdict_names[] = { "unknown", "genuine", "suspicious", "forged" };

/* What backscatter is, and what to do: only said of a bounce judged forged
 * or suspicious. */
static gboolean
forged (const DsnBackscatter *b)
{
  return b->verdict == VERDICT_FORGED || b->verdict == VERDICT_SUSPICIOUS;
}

void
dsn_backscatter_to_json (const DsnBackscatter *b, DsnJson *jb, const char *lang)
{
  dsn_json_begin_object (jb);
  dsn_json_set_member_name (jb, "verdict");
  dsn_json_add_string_value (jb, verdict_names[b->verdict]);
  dsn_json_set_member_name (jb, "evidence");
  dsn_json_begin_array (jb);
  for (guint i = 0; i < b->evidence->len; i++) {
    const DsnFinding *e = b->evidence->pdata[i];
    dsn_json_begin_object (jb);
    dsn_json_set_member_name (jb, "code");
    dsn_json_add_string_value (jb, dsn_finding_get_code (e));
    dsn_json_set_member_name (jb, "text");
    dsn_json_add_string_value (jb, dsn_finding_get_message (e, lang));
    dsn_json_end_object (jb);
  }
  dsn_json_end_array (jb);
  const DsnEntry *texts = forged (b) ? dsn_catalogue_entry ("verdict.backscatter") : NULL;
  int l = dsn_lang_index (lang);
  dsn_json_member (jb, "explanation", dsn_entry_text (texts, "explanation", l));
  dsn_json_member (jb, "advice", dsn_entry_text (texts, "advice", l));
  dsn_json_end_object (jb);
}

const char *
dsn_report_get_backscatter (const DsnReport *rep)
{
  g_return_val_if_fail (rep, NULL);
  return rep->backscatter ? verdict_names[rep->backscatter->verdict] : NULL;
}

guint
dsn_report_get_n_backscatter_evidence (const DsnReport *rep)
{
  g_return_val_if_fail (rep, 0);
  return rep->backscatter ? rep->backscatter->evidence->len : 0;
}

const char *
dsn_report_get_backscatter_evidence (const DsnReport *rep, guint i, const char *lang)
{
  g_return_val_if_fail (rep && i < dsn_report_get_n_backscatter_evidence (rep), NULL);
  return dsn_finding_get_message (rep->backscatter->evidence->pdata[i], lang);
}

const char *
dsn_report_get_backscatter_explanation (const DsnReport *rep, const char *lang)
{
  g_return_val_if_fail (rep, NULL);
  if (!rep->backscatter || !forged (rep->backscatter))
    return NULL;
  return dsn_entry_text (dsn_catalogue_entry ("verdict.backscatter"), "explanation",
                         dsn_lang_index (lang));
}

const char *
dsn_report_get_backscatter_advice (const DsnReport *rep, const char *lang)
{
  g_return_val_if_fail (rep, NULL);
  if (!rep->backscatter || !forged (rep->backscatter))
    return NULL;
  return dsn_entry_text (dsn_catalogue_entry ("verdict.backscatter"), "advice",
                         dsn_lang_index (lang));
}
