/* The sending side of a bounce: which address the remote server refused,
 * and what the report's verdicts change in what to do.
 *
 * The address is the one the remote server names in its reply ("Client
 * host [192.0.2.1] blocked", "ip=192.0.2.1", "client-ip=", "from
 * 192.0.2.1", "[192.0.2.1]"), else the one it received the message from:
 * when the server that wrote the report is the one that refused, its hop in
 * the returned message's Received chain (never a submission hop: a client
 * that logged in, a private address, a server of the sender's own domain);
 * when the reporting server relayed to a remote one that refused, the
 * reporting server's own address, as the report's Received chain shows it.
 *
 * A bounce judged backscatter calls for nothing about its recipients; an
 * address of a big provider's shared outbound servers refused for its
 * reputation is that provider's to deal with, not the sender's.
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "headers.h"
#include "rules.h"

#include <pthread.h>
#include <string.h>

/* ------------------------------------------------------------ addresses */

/* A globally routable unicast address: a remote server names no other as
 * the client it refused. */
static gboolean
routable (const DsnIp *a)
{
  /* Unique local (fc00::/7) included. */
  return dsn_ip_flags (a) == 0;
}

static gboolean
is_ip_char (char c)
{
  return g_ascii_isxdigit (c) || c == '.' || c == ':';
}

/* The address literal starting at P (after an optional "IPv6:"), its
 * length in *LEN; NULL if none starts there. */
static char *
ip_at (const char *p, gsize *len)
{
  const char *s = p;
  if (dsn_has_prefix_ci (s, "IPv6:"))
    s += 5;
  gsize n = 0;
  while (is_ip_char (s[n]) && n < 45)
    n++;
  /* "192.0.2.1." ends a sentence: the dot is not the address's. */
  while (n && (s[n - 1] == '.' || s[n - 1] == ':'))
    n--;
  /* Most words are no address: say so before allocating. */
  if (n < 3 || (!memchr (s, '.', n) && !memchr (s, ':', n)))
    return NULL;
  DsnIp a;
  if (!dsn_ip_parse_len (s, n, &a))
    return NULL;
  *len = (s - p) + n;
  return dsn_ip_to_string (&a);
}

/* How surely the words around an address name the refused client: lower
 * is surer. */
typedef enum {
  NAMED_KEY = 1,    /* client-ip=, ip= */
  NAMED_CLIENT = 2, /* "Client host [IP]", "from IP", "designates IP" */
  NAMED_BRACKET = 3,
  NAMED_BARE = 4,
  NAMED_NOT = 99,
} Naming;

/* The word that ends just before P (skipping spaces and one '['), folded
 * into WORD; TRUE if there is one. */
static gboolean
word_before (const char *text, const char *p, char *word, gsize size)
{
  const char *e = p;
  while (e > text && (e[-1] == ' ' || e[-1] == '\t'))
    e--;
  const char *b = e;
  while (b > text && !g_ascii_isspace (b[-1]))
    b--;
  if (b == e || (gsize)(e - b) >= size)
    return FALSE;
  for (gsize i = 0; i < (gsize)(e - b); i++)
    word[i] = g_ascii_tolower (b[i]);
  word[e - b] = '\0';
  return TRUE;
}

static Naming
naming (const char *text, const char *ip_start, gboolean bracketed)
{
  const char *p = bracketed ? ip_start - 1 : ip_start;
  if (p - text >= 10 && !g_ascii_strncasecmp (p - 10, "client-ip=", 10))
    return NAMED_KEY;
  if (p - text >= 3 && !g_ascii_strncasecmp (p - 3, "ip=", 3)
      && (p - text == 3 || !g_ascii_isalnum (p[-4])))
    return NAMED_KEY;
  char w1[64], w2[64];
  /* "mx.example.org[192.0.2.1]": a server's label (Postfix's "host
   * NAME[IP] said"), not the client. */
  if (bracketed && p > text && !g_ascii_isspace (p[-1]) && p[-1] != '(' && p[-1] != ',')
    return NAMED_NOT;
  if (!word_before (text, p, w1, sizeof w1))
    return bracketed ? NAMED_BRACKET : NAMED_BARE;
  const char *before1 = p;
  while (before1 > text && g_ascii_isspace (before1[-1]))
    before1--;
  before1 -= strlen (w1);
  gboolean has_w2 = word_before (text, before1, w2, sizeof w2);
  if (!strcmp (w1, "from") || !strcmp (w1, "designates") || !strcmp (w1, "designate")
      || (!strcmp (w1, "host") && has_w2 && !strcmp (w2, "client"))
      || ((!strcmp (w1, "ip") || !strcmp (w1, "address")) && has_w2
          && (!strcmp (w2, "from") || !strcmp (w2, "sending") || !strcmp (w2, "your")
              || !strcmp (w2, "ip"))))
    return NAMED_CLIENT;
  /* "host mx.example.org [192.0.2.1]" (Exim): the remote server's own. */
  if (has_w2 && !strcmp (w2, "host") && strchr (w1, '.'))
    return NAMED_NOT;
  return bracketed ? NAMED_BRACKET : NAMED_BARE;
}

/* The words around the address that name it, for a person to see: a
 * "key=IP", else up to three words before it and the address. */
static char *
evidence (const char *text, const char *ip_start, gsize len, gboolean bracketed, Naming how)
{
  const char *end = ip_start + len + (bracketed && ip_start[len] == ']' ? 1 : 0);
  const char *b = bracketed ? ip_start - 1 : ip_start;
  if (how == NAMED_KEY) {
    while (b > text && (g_ascii_isalnum (b[-1]) || b[-1] == '-' || b[-1] == '='))
      b--;
  } else {
    /* Not past a ';' or into the reply's codes ("550 5.7.1"). */
    for (int words = 0; words < 3 && b > text && b[-1] != ';'; words++) {
      const char *w = b;
      while (w > text && g_ascii_isspace (w[-1]))
        w--;
      while (w > text && !g_ascii_isspace (w[-1]) && w[-1] != ';')
        w--;
      if (g_ascii_isdigit (*w))
        break;
      b = w;
    }
    while (g_ascii_isspace (*b))
      b++;
  }
  if (end - b > 80)
    b = end - 80;
  g_autofree char *raw = g_strndup (b, end - b);
  return dsn_text_squeeze (g_steal_pointer (&raw));
}

/* The address the remote server names as the client it refused in TEXT,
 * or NULL; *EVIDENCE gets the words that name it. Its own address (in
 * REMOTE_MTA, or written as a server's label) is not the client's. */
static char *
named_in_words (const char *text, const char *remote_mta, char **evidence_out)
{
  char *best = NULL;
  Naming best_how = NAMED_NOT;
  for (const char *p = text; *p; p++) {
    if (p > text && (is_ip_char (p[-1]) || g_ascii_isalpha (p[-1])) && p[-1] != '=')
      continue; /* not the start of a token */
    gboolean bracketed = p > text && p[-1] == '[';
    gsize len;
    g_autofree char *ip = ip_at (p, &len);
    if (!ip)
      continue;
    DsnIp a;
    if (dsn_ip_parse (ip, &a) && routable (&a) && !(remote_mta && strstr (remote_mta, ip))) {
      Naming how = naming (text, p, bracketed);
      if (how < best_how) {
        g_free (best);
        best = g_strdup (ip);
        best_how = how;
        g_free (*evidence_out);
        *evidence_out = evidence (text, p, len, bracketed, how);
      }
    }
    p += len - 1;
  }
  return best;
}

/* The value of a "type; value" field (Reporting-MTA: dns; mx.example.org). */
static char *
mta_name (const char *field)
{
  if (!field)
    return NULL;
  const char *semi = strchr (field, ';');
  g_autofree char *name = g_strdup (semi ? semi + 1 : field);
  g_strstrip (name);
  gsize n = strcspn (name, " \t(");
  while (n && name[n - 1] == '.')
    n--;
  return n ? g_ascii_strdown (name, n) : NULL;
}

static gboolean
same_org (const char *a, const char *b)
{
  return a && b && (!g_ascii_strcasecmp (a, b) || dsn_domain_aligned (a, b));
}

/* "from HOST [IP] by BY", to show where an address was found. */
static char *
hop_summary (const DsnHop *hop)
{
  return g_strdup_printf ("from %s [%s] by %s", hop->from_host ? hop->from_host : "?", hop->from_ip,
                          hop->by_host ? hop->by_host : "?");
}

/* The reporting server refused the message itself: the hop that brought
 * it there. SENDER is the domain of the message's sender. */
static gboolean
received_by_refuser (const DsnReport *rep, const char *refuser, const char *sender, DsnRecipient *r)
{
  /* A server of the sender's own domain receives from its users: those
   * hops are submissions, not what a remote server saw. */
  if (!rep->original_hops || same_org (refuser, sender))
    return FALSE;
  for (guint i = 0; i < rep->original_hops->len; i++) {
    const DsnHop *hop = rep->original_hops->pdata[i];
    if (!same_org (hop->by_host, refuser))
      continue;
    /* The first hop into the refusing server's domain: its client is the
     * peer, unless it logged in or speaks from a private network. */
    DsnIp a;
    gboolean is_ip = hop->from_ip && dsn_ip_parse (hop->from_ip, &a);
    /* A mail client's own protocols (webmail, Exchange's MAPI) submit. */
    gboolean client
        = hop->with
          && (dsn_has_prefix_ci (hop->with, "HTTP") || dsn_has_prefix_ci (hop->with, "mapi"));
    if (!is_ip || hop->authenticated || client || !routable (&a))
      return FALSE;
    r->sending_ip = dsn_ip_to_string (&a);
    r->sending_source = DSN_SENDING_RECEIVED;
    r->sending_evidence = hop_summary (hop);
    return TRUE;
  }
  return FALSE;
}

/* The reporting server relayed to a remote one that refused: the remote
 * one saw the reporting server, which the report's own Received chain may
 * show arriving at the user's mailbox. */
static gboolean
received_from_reporter (GPtrArray *own_hops, const char *reporter, DsnRecipient *r)
{
  for (guint i = 0; own_hops && i < own_hops->len; i++) {
    const DsnHop *hop = own_hops->pdata[i];
    if (!hop->from_ip || !hop->from_host || g_ascii_strcasecmp (hop->from_host, reporter) != 0)
      continue;
    DsnIp a;
    if (!dsn_ip_parse (hop->from_ip, &a) || !routable (&a))
      continue;
    r->sending_ip = dsn_ip_to_string (&a);
    r->sending_source = DSN_SENDING_REPORT_RECEIVED;
    r->sending_evidence = hop_summary (hop);
    return TRUE;
  }
  return FALSE;
}

/* ------------------------------------------------------------ big providers */

/* The outbound networks of providers whose shared servers send for
 * millions of senders, from the SPF records they publish
 * (_netblocks.google.com, spf.protection.outlook.com). */
static const struct {
  const char *provider;
  const char *cidr;
} pools[] = {
  { "Google", "35.190.247.0/24" },
  { "Google", "64.233.160.0/19" },
  { "Google", "66.102.0.0/20" },
  { "Google", "66.249.80.0/20" },
  { "Google", "72.14.192.0/18" },
  { "Google", "74.125.0.0/16" },
  { "Google", "108.177.8.0/21" },
  { "Google", "108.177.96.0/19" },
  { "Google", "130.211.0.0/22" },
  { "Google", "172.217.0.0/19" },
  { "Google", "172.217.32.0/20" },
  { "Google", "172.217.128.0/19" },
  { "Google", "172.217.160.0/20" },
  { "Google", "172.217.192.0/19" },
  { "Google", "172.253.56.0/21" },
  { "Google", "172.253.112.0/20" },
  { "Google", "173.194.0.0/16" },
  { "Google", "209.85.128.0/17" },
  { "Google", "216.58.192.0/19" },
  { "Google", "216.239.32.0/19" },
  { "Google", "2001:4860:4000::/36" },
  { "Google", "2404:6800:4000::/36" },
  { "Google", "2607:f8b0:4000::/36" },
  { "Google", "2800:3f0:4000::/36" },
  { "Google", "2a00:1450:4000::/36" },
  { "Google", "2c0f:fb50:4000::/36" },
  { "Microsoft", "40.92.0.0/15" },
  { "Microsoft", "40.107.0.0/16" },
  { "Microsoft", "52.100.0.0/15" },
  { "Microsoft", "52.102.0.0/16" },
  { "Microsoft", "52.103.0.0/17" },
  { "Microsoft", "104.47.0.0/17" },
  { "Microsoft", "2a01:111:f400::/48" },
  { "Microsoft", "2a01:111:f403::/49" },
  { "Microsoft", "2a01:111:f403:8000::/51" },
  { "Microsoft", "2a01:111:f403:c000::/51" },
  { "Microsoft", "2a01:111:f403:f000::/52" },
};

/* The networks of POOLS, parsed once: building a GInetAddressMask for each
 * of them on every report was 3% of an analysis. pthread_once, not g_once:
 * ThreadSanitizer sees its ordering, and GLib's is invisible to it. */
typedef struct {
  DsnIp net;
  guint prefix;
  gboolean valid;
} Net;

static Net nets[G_N_ELEMENTS (pools)];
static pthread_once_t nets_once = PTHREAD_ONCE_INIT;

static void
parse_pools (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (pools); i++) {
    const char *slash = strchr (pools[i].cidr, '/');
    nets[i].valid = dsn_ip_parse_len (pools[i].cidr, slash - pools[i].cidr, &nets[i].net);
    nets[i].prefix = (guint)g_ascii_strtoull (slash + 1, NULL, 10);
  }
}

/* The provider whose shared outbound servers IP belongs to, or NULL. */
static const char *
pool_provider (const char *ip)
{
  pthread_once (&nets_once, parse_pools);
  DsnIp a;
  if (!dsn_ip_parse (ip, &a))
    return NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (pools); i++)
    if (nets[i].valid && dsn_ip_in_net (&a, &nets[i].net, nets[i].prefix))
      return pools[i].provider;
  return NULL;
}

/* Refusals for the sending address's standing, where a provider's address
 * makes the refusal the provider's problem. */
static gboolean
about_the_address (const DsnRecipient *r)
{
  const char *cat = r->category ? r->category->id : "";
  return !strcmp (cat, "blocklist") || !strcmp (cat, "blocked") || !strcmp (cat, "bad-reputation");
}

/* ------------------------------------------------------------ the pass */

/* The report's own Received fields, first hop first. */
static GPtrArray *
own_hops (const DsnMimeHeaders *headers)
{
  GPtrArray *hops = g_ptr_array_new_with_free_func ((GDestroyNotify)dsn_headers_hop_free);
  for (guint i = dsn_mime_headers_count (headers); i > 0; i--) {
    DsnMimeField *hd = dsn_mime_headers_at (headers, i - 1);
    if (!dsn_mime_field_is (hd, "Received"))
      continue;
    const char *value = dsn_mime_field_value (hd);
    g_autofree char *v = dsn_text_squeeze (g_strdup (value));
    g_ptr_array_add (hops, dsn_headers_parse_received (v, FALSE));
  }
  return hops;
}

void
dsn_sending_assess (DsnReport *rep, const DsnMimeHeaders *headers)
{
  g_autofree char *reporter = mta_name (dsn_report_get_field (rep, "Reporting-MTA"));
  g_autofree char *sender = dsn_text_address_domain (rep->to);
  if (!sender)
    sender = dsn_text_address_domain (dsn_report_get_original_header (rep, "From"));
  g_autoptr (GPtrArray) hops = NULL;
  const char *bs = dsn_report_get_backscatter (rep);
  gboolean forged = bs && !strcmp (bs, "forged");
  for (guint i = 0; i < rep->recipients->len; i++) {
    DsnRecipient *r = rep->recipients->pdata[i];
    if (r->diagnostic) {
      r->sending_ip = named_in_words (r->diagnostic, r->remote_mta, &r->sending_evidence);
      if (r->sending_ip)
        r->sending_source = DSN_SENDING_DIAGNOSTIC;
    }
    g_autofree char *remote = mta_name (r->remote_mta);
    if (!r->sending_ip && reporter) {
      if (!remote || same_org (remote, reporter)) {
        received_by_refuser (rep, reporter, sender, r);
      } else {
        if (!hops)
          hops = own_hops (headers);
        received_from_reporter (hops, reporter, r);
      }
    }
    if (forged) {
      r->context = dsn_finding_newv ("context.backscatter", "address", r->address, NULL);
      continue;
    }
    const char *provider = r->sending_ip ? pool_provider (r->sending_ip) : NULL;
    if (provider && about_the_address (r))
      r->context = dsn_finding_newv ("context.provider_pool", "ip", r->sending_ip, "provider",
                                     provider, NULL);
  }
}
