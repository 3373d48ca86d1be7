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

typedef struct {
  const char *code;
  char *text[2];
} Evidence;

struct _DsnBackscatter {
  Verdict verdict;
  GArray *evidence; /* Evidence */
};

static void
evidence_clear (gpointer p)
{
  Evidence *e = p;
  g_free (e->text[0]);
  g_free (e->text[1]);
}

void
dsn_backscatter_free (DsnBackscatter *b)
{
  if (!b)
    return;
  g_array_unref (b->evidence);
  g_free (b);
}

static void
add (DsnBackscatter *b, const char *code, char *en, char *fr)
{
  Evidence e = { code, { en, fr } };
  g_array_append_val (b->evidence, e);
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
  if (g_ascii_isdigit (relay[0]) || strchr (relay, ':')) {
    g_autoptr (GInetAddressMask) m = g_inet_address_mask_new_from_string (relay, NULL);
    if (!m
        && (strchr (relay, '/') || strchr (relay, ':') || !strchr (relay, '.')
            || strspn (relay, "0123456789.") == strlen (relay))) {
      g_set_error (error, DSN_ERROR, DSN_ERROR_USAGE, "invalid address or network \"%s\"", relay);
      return FALSE;
    }
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
  g_autoptr (GInetAddress) a = g_inet_address_new_from_string (ip);
  return a && !g_inet_address_get_is_loopback (a) && !g_inet_address_get_is_site_local (a)
         && !g_inet_address_get_is_link_local (a);
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
  b->evidence = g_array_new (FALSE, TRUE, sizeof (Evidence));
  g_array_set_clear_func (b->evidence, evidence_clear);
  rep->backscatter = b;
  rep->backscatter_free = (GDestroyNotify)dsn_backscatter_free;

  const char *orig_from = dsn_report_get_original_header (rep, "From");
  if (!orig_from && (!rep->original_hops || !rep->original_hops->len)) {
    add (b, "original.missing",
         g_strdup ("The report does not include the original message, so where it came from cannot "
                   "be checked."),
         g_strdup ("Le rapport ne contient pas le message d'origine : sa provenance ne peut pas "
                   "être vérifiée."));
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
      add (b, "original.dkim_signed",
           g_strdup_printf (
               "The original carries a DKIM signature of %s: it was sent by that domain's servers.",
               d),
           g_strdup_printf ("L'original porte une signature DKIM de %s : il a été envoyé par les "
                            "serveurs de ce domaine.",
                            d));
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
      add (b, "route.own", g_strdup ("The original passed through your own sending servers."),
           g_strdup ("L'original est passé par vos propres serveurs d'envoi."));
      b->verdict = VERDICT_GENUINE;
      return;
    }
    if (rep->original_hops && rep->original_hops->len) {
      const DsnHop *first = rep->original_hops->pdata[0];
      add (b, "route.foreign",
           g_strdup_printf ("The original never passed through your sending servers: it entered "
                            "the mail system at %s%s%s%s.",
                            first->by_host ? first->by_host : "an unknown server",
                            first->from_ip ? " from " : "", first->from_ip ? first->from_ip : "",
                            ""),
           g_strdup_printf ("L'original n'est jamais passé par vos serveurs d'envoi : il est entré "
                            "dans le système de messagerie par %s%s%s.",
                            first->by_host ? first->by_host : "un serveur inconnu",
                            first->from_ip ? " depuis " : "",
                            first->from_ip ? first->from_ip : ""));
      b->verdict = VERDICT_FORGED;
    }
  }

  g_autofree char *mid = msgid_domain (dsn_report_get_original_header (rep, "Message-ID"));
  gboolean mid_aligned = mid
                         && (dsn_domain_aligned (mid, from_domain)
                             || dsn_domain_aligned (mid, bounce_to) || is_hosting_minter (mid));
  if (mid && !mid_aligned)
    add (b, "original.message_id_foreign",
         g_strdup_printf ("Its Message-ID was made by %s, not by the sender's domain%s%s.", mid,
                          from_domain ? " " : "", from_domain ? from_domain : ""),
         g_strdup_printf (
             "Son Message-ID a été créé par %s, et non par le domaine de l'expéditeur%s%s.", mid,
             from_domain ? " " : "", from_domain ? from_domain : ""));
  if (!any_dkim)
    add (b, "original.unsigned", g_strdup ("The original has no DKIM signature at all."),
         g_strdup ("L'original ne porte aucune signature DKIM."));
  if (from_domain && bounce_to && !dsn_domain_aligned (from_domain, bounce_to))
    add (b, "original.other_sender",
         g_strdup_printf ("The original claims to be from %s, but the report was sent to %s.",
                          from_domain, bounce_to),
         g_strdup_printf ("L'original prétend venir de %s, mais le rapport a été envoyé à %s.",
                          from_domain, bounce_to));
  /* Spam forged in the user's name typically goes straight from some
   * internet host into the recipient's server, with no signature and no
   * login: a genuine message passes through its sender's own server first. */
  const DsnHop *first
      = rep->original_hops && rep->original_hops->len ? rep->original_hops->pdata[0] : NULL;
  if (b->verdict == VERDICT_UNKNOWN && !any_dkim && first && first->from_ip && !first->authenticated
      && is_public (first->from_ip) && route_is_recipient_side (rep)) {
    add (b, "route.direct",
         g_strdup_printf ("It went straight from %s into the recipient's server, without logging "
                          "in to a server of the sender's domain.",
                          first->from_ip),
         g_strdup_printf ("Il est allé directement de %s au serveur du destinataire, sans "
                          "authentification auprès d'un serveur du domaine de l'expéditeur.",
                          first->from_ip));
    b->verdict = VERDICT_SUSPICIOUS;
  }
}

/* ------------------------------------------------------------ output */

static const char *const verdict_names[] = { "unknown", "genuine", "suspicious", "forged" };

static const char *const explanation[2] = {
  "Backscatter: bounces for messages you never wrote. Spammers or infected machines put your "
  "address "
  "as the sender; when their message meets a non-existent address, the remote server returns the "
  "error to the displayed sender: you. It does not mean your mailbox was hacked.",
  "Rétrodiffusion (backscatter) : des rapports d'échec pour des messages que vous n'avez pas "
  "écrits. Des "
  "spammeurs ou des machines infectées mettent votre adresse comme expéditeur ; quand leur message "
  "rencontre une adresse inexistante, le serveur distant renvoie l'erreur à l'expéditeur affiché : "
  "vous. "
  "Cela ne signifie pas que votre boîte a été piratée.",
};

static const char *const advice[2] = {
  "Delete these reports; do not resend anything. Protect your domain so that receivers reject "
  "forgeries "
  "instead of bouncing them: an SPF record ending in -all, DKIM signing, and a DMARC policy "
  "(p=quarantine "
  "or p=reject). Avoid catch-all addresses, which attract this traffic.",
  "Supprimez ces rapports, ne renvoyez rien. Protégez votre domaine pour que les destinataires "
  "rejettent "
  "les faux au lieu de les renvoyer : un enregistrement SPF terminé par -all, la signature DKIM et "
  "une "
  "politique DMARC (p=quarantine ou p=reject). Évitez les adresses « catch-all », qui attirent ce "
  "trafic.",
};

void
dsn_backscatter_to_json (const DsnBackscatter *b, DsnJson *jb, const char *lang)
{
  int l = lang && g_ascii_strncasecmp (lang, "fr", 2) == 0 ? 1 : 0;
  dsn_json_begin_object (jb);
  dsn_json_set_member_name (jb, "verdict");
  dsn_json_add_string_value (jb, verdict_names[b->verdict]);
  dsn_json_set_member_name (jb, "evidence");
  dsn_json_begin_array (jb);
  for (guint i = 0; i < b->evidence->len; i++) {
    const Evidence *e = &g_array_index (b->evidence, Evidence, i);
    dsn_json_begin_object (jb);
    dsn_json_set_member_name (jb, "code");
    dsn_json_add_string_value (jb, e->code);
    dsn_json_set_member_name (jb, "text");
    dsn_json_add_string_value (jb, e->text[l]);
    dsn_json_end_object (jb);
  }
  dsn_json_end_array (jb);
  gboolean forged = b->verdict == VERDICT_FORGED || b->verdict == VERDICT_SUSPICIOUS;
  dsn_json_set_member_name (jb, "explanation");
  if (forged)
    dsn_json_add_string_value (jb, explanation[l]);
  else
    dsn_json_add_null_value (jb);
  dsn_json_set_member_name (jb, "advice");
  if (forged)
    dsn_json_add_string_value (jb, advice[l]);
  else
    dsn_json_add_null_value (jb);
  dsn_json_end_object (jb);
}

const char *
dsn_report_get_backscatter (const DsnReport *rep)
{
  g_return_val_if_fail (rep, NULL);
  return rep->backscatter ? verdict_names[rep->backscatter->verdict] : NULL;
}
