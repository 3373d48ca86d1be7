/* Live confirmation: is a bounce's cause still there? For diagnoses whose
 * cause lives in the DNS, the DNS engine re-checks it now and the answer is
 * attached to the recipient. Nothing here runs unless the caller asks.
 *
 * Each check answers its category's question, for the address and the
 * domain the remote server judged: a blocklist, whether that address is
 * still on the list the server named (and on the lists asked for); SPF,
 * check_host() for that address and the envelope domain; DKIM, the
 * selector's key; DMARC, the policy now and whether the message's SPF and
 * DKIM would align; reverse DNS, the PTR of that address and its forward
 * confirmation; a domain not found, its MX. The address is the one the
 * remote server named in its reply, else the one the Received chains show
 * it saw (bounce/sending.c); it is never guessed from a submission hop.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "bounce/rules.h"
#include "dns/dns.h"

#include <string.h>

/* The envelope sender of the original: bounces go back to it, so it is the
 * report's own To; failing that, the original's From. */
static char *
sender_of (const DsnReport *rep)
{
  g_autofree char *to = rep->to ? dsn_text_find_address (rep->to) : NULL;
  if (to)
    return g_steal_pointer (&to);
  const char *from = dsn_report_get_original_header (rep, "From");
  return from ? dsn_text_find_address (from) : NULL;
}

/* The envelope sender the remote server judged, when its words name it:
 * "smtp.mailfrom=", "envelope-from=", policyd-spf's "id=", "domain of X";
 * an address or a bare domain, newly allocated. */
static char *
envelope_in_words (const char *words)
{
  static const char *const keys[]
      = { "smtp.mailfrom=", "envelope-from=", "id=", "domain of ", NULL };
  for (const char *const *k = keys; words && *k; k++)
    for (const char *p = dsn_strcasestr (words, *k); p; p = dsn_strcasestr (p + 1, *k)) {
      /* "id=", not "pid=" */
      if (p > words && (g_ascii_isalnum (p[-1]) || p[-1] == '.' || p[-1] == '-'))
        continue;
      p += strlen (*k);
      while (*p == '<' || *p == '"')
        p++;
      gsize n = strcspn (p, " \t;,>\")");
      while (n && p[n - 1] == '.')
        n--;
      g_autofree char *v = g_strndup (p, n);
      const char *at = strrchr (v, '@');
      const char *domain = at ? at + 1 : v;
      /* A domain has a dot and no address literal's brackets. */
      if (strchr (domain, '.') && !strchr (domain, '[') && !strchr (domain, '/'))
        return g_steal_pointer (&v);
    }
  return NULL;
}

static gboolean
has_finding (DsnAudit *audit, const char *code)
{
  for (guint i = 0; i < dsn_audit_get_n_findings (audit); i++)
    if (!strcmp (dsn_finding_get_code (dsn_audit_get_finding (audit, i)), code))
      return TRUE;
  return FALSE;
}

/* Argument NAME of finding F, or NULL. */
static const char *
finding_arg (const DsnFinding *f, const char *name)
{
  for (guint i = 0; f->args && i + 1 < f->args->len; i += 2)
    if (!strcmp (f->args->pdata[i], name))
      return f->args->pdata[i + 1];
  return NULL;
}

/* The audit's data for AREA ("dmarc", "dnsbl"), from its JSON. */
static JsonObject *
area_data (JsonNode *details, const char *area)
{
  JsonObject *root
      = details && JSON_NODE_HOLDS_OBJECT (details) ? json_node_get_object (details) : NULL;
  JsonObject *areas = root && json_object_has_member (root, "areas")
                          ? json_object_get_object_member (root, "areas")
                          : NULL;
  return areas && json_object_has_member (areas, area) ? json_object_get_object_member (areas, area)
                                                       : NULL;
}

static const char *
object_string (JsonObject *o, const char *name)
{
  JsonNode *n = o && json_object_has_member (o, name) ? json_object_get_member (o, name) : NULL;
  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
             ? json_node_get_string (n)
             : NULL;
}

/* The audit, as the check's details, in every language. */
static void
audit_details (DsnRecheck *c, DsnAudit *audit)
{
  if (c->details)
    return;
  c->details = g_new0 (JsonNode *, dsn_lang_count ());
  for (int l = 0; l < dsn_lang_count (); l++)
    c->details[l] = dsn_audit_to_json (audit, dsn_lang_name (l));
}

/* Sets the check's outcome and text from the audit of AREA. */
static void
from_audit (DsnRecheck *c, DsnAudit *audit, DsnArea area)
{
  DsnVerdict v = dsn_audit_get_verdict (audit, area);
  if (v == DSN_VERDICT_UNKNOWN)
    c->status = DSN_RECHECK_UNCHECKED;
  else
    c->status = v == DSN_VERDICT_OK ? DSN_RECHECK_GONE : DSN_RECHECK_STILL;
  for (guint i = 0; i < dsn_audit_get_n_findings (audit); i++) {
    const DsnFinding *f = dsn_audit_get_finding (audit, i);
    if (dsn_finding_get_area (f) != area)
      continue;
    c->found = dsn_finding_copy (f);
    break;
  }
  audit_details (c, audit);
}

static void
found_valist (DsnRecheck *c, const char *code, va_list ap)
{
  dsn_finding_free (c->found);
  c->found = dsn_finding_new_valist (code, ap);
}

/* Sets what the check found: CODE of catalogue/recheck.keys with NAME,
 * VALUE arguments ending with a NULL name. */
static void found (DsnRecheck *c, const char *code, ...) G_GNUC_NULL_TERMINATED;
/* The same for a check that could not be made: CODE says why. */
static void unchecked (DsnRecheck *c, const char *code, ...) G_GNUC_NULL_TERMINATED;

static void
found (DsnRecheck *c, const char *code, ...)
{
  va_list ap;
  va_start (ap, code);
  found_valist (c, code, ap);
  va_end (ap);
}

static void
unchecked (DsnRecheck *c, const char *code, ...)
{
  va_list ap;
  va_start (ap, code);
  c->status = DSN_RECHECK_UNCHECKED;
  found_valist (c, code, ap);
  va_end (ap);
}

/* The check could not be asked: ERROR says why. An invalid argument is
 * INVALID with NAME = VALUE, the one the check was given; anything else
 * is the library's own words. */
static void
failed (DsnRecheck *c, const GError *error, const char *invalid, const char *name,
        const char *value)
{
  if (g_error_matches (error, DSN_ERROR, DSN_ERROR_USAGE))
    unchecked (c, invalid, name, value, NULL);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    unchecked (c, "recheck.cancelled", NULL);
  else
    unchecked (c, "recheck.failed", "error", error->message, NULL);
}

/* Records that the check uses R's sending address, and where it was found. */
static void
use_address (DsnRecheck *c, const DsnRecipient *r)
{
  static const char *const codes[] = {
    [DSN_SENDING_DIAGNOSTIC] = "recheck.address_diagnostic",
    [DSN_SENDING_RECEIVED] = "recheck.address_received",
    [DSN_SENDING_REPORT_RECEIVED] = "recheck.address_report",
  };
  if (!r->sending_ip || r->sending_source == DSN_SENDING_NONE)
    return;
  c->address = g_strdup (r->sending_ip);
  c->address_source = dsn_sending_source_to_string (r->sending_source);
  c->address_evidence = g_strdup (r->sending_evidence);
  c->address_found = dsn_finding_newv (codes[r->sending_source], "ip", r->sending_ip, "evidence",
                                       r->sending_evidence, NULL);
}

/* The envelope sender to judge R by: the one the server named, else the
 * one the bounce went back to. */
static char *
envelope_of (const DsnReport *rep, const DsnRecipient *r)
{
  char *named = envelope_in_words (r->diagnostic);
  return named ? named : sender_of (rep);
}

/* The domain of an address or a bare domain, lower case. */
/* An envelope sender as check_host() takes it: a bare domain stands for
 * postmaster at that domain (RFC 7208 §4.3). */
static char *
sender_address (const char *envelope, const char *domain)
{
  return strchr (envelope, '@') ? g_strdup (envelope) : g_strconcat ("postmaster@", domain, NULL);
}

static char *
domain_part (const char *s)
{
  if (!s)
    return NULL;
  const char *at = strrchr (s, '@');
  return g_ascii_strdown (at ? at + 1 : s, -1);
}

static DsnRecheck *
check_spf (const DsnReport *rep, const DsnRecipient *r, DsnResolver *res, GCancellable *cancellable)
{
  g_autofree char *sender = envelope_of (rep, r);
  g_autofree char *domain = domain_part (sender);
  DsnRecheck *c = dsn_recheck_new ("spf", domain);
  if (!domain) {
    unchecked (c, "recheck.spf_no_sender", NULL);
    return c;
  }
  if (!r->sending_ip) {
    unchecked (c, "recheck.spf_no_address", NULL);
    return c;
  }
  use_address (c, r);
  const char *ip = r->sending_ip;
  g_autoptr (GError) error = NULL;
  g_autofree char *mail_from = sender_address (sender, domain);
  g_autoptr (DsnSpfResult) spf
      = dsn_resolver_check_spf (res, ip, domain, mail_from, NULL, cancellable, &error);
  if (!spf) {
    failed (c, error, "recheck.invalid_ip", "ip", ip);
    return c;
  }
  DsnSpfCode code = dsn_spf_result_get_code (spf);
  const char *name = dsn_spf_code_to_string (code);
  c->details = g_new0 (JsonNode *, dsn_lang_count ());
  for (int l = 0; l < dsn_lang_count (); l++)
    c->details[l] = dsn_spf_result_to_json (spf, dsn_lang_name (l));
  switch (code) {
  case DSN_SPF_PASS:
    c->status = DSN_RECHECK_GONE;
    found (c, "recheck.spf_pass", "domain", domain, "ip", ip, NULL);
    break;
  case DSN_SPF_TEMPERROR: unchecked (c, "recheck.spf_temperror", NULL); break;
  default: {
    c->status = DSN_RECHECK_STILL;
    GPtrArray *args = g_ptr_array_new_with_free_func (g_free);
    const char *pairs[] = { "result", name, "domain", domain, "ip", ip };
    for (gsize i = 0; i < G_N_ELEMENTS (pairs); i++)
      g_ptr_array_add (args, g_strdup (pairs[i]));
    if (spf->problem)
      dsn_args_add_text (args, "problem", spf->problem);
    dsn_finding_free (c->found);
    c->found = dsn_finding_new ("recheck.spf_still", args);
    break;
  }
  }
  return c;
}

static DsnRecheck *
check_area (const char *what, const char *target, DsnArea area, const char *const *selectors,
            const char *const *zones, DsnResolver *res, GCancellable *cancellable)
{
  DsnRecheck *c = dsn_recheck_new (what, target);
  g_autoptr (GError) error = NULL;
  g_autoptr (DsnAudit) audit
      = dsn_resolver_audit (res, target, area, selectors, zones, cancellable, &error);
  if (!audit) {
    failed (c, error, "recheck.invalid_domain", "domain", target);
    return c;
  }
  from_audit (c, audit, area);
  if (!c->found)
    unchecked (c, "recheck.nothing", NULL);
  return c;
}

/* Aligned in DMARC's sense (RFC 7489 §3.1): the same organizational
 * domain, or the same domain when the policy asks for strict alignment. */
static gboolean
dmarc_aligned (const char *a, const char *b, gboolean strict)
{
  if (!a || !b)
    return FALSE;
  return strict ? !g_ascii_strcasecmp (a, b) : dsn_domain_aligned (a, b);
}

/* DMARC: the policy the From domain publishes now, and whether the
 * message, sent again the same way, would pass: its envelope domain
 * aligned and passing SPF for the sending address, or a DKIM signature
 * aligned with the From domain. */
static DsnRecheck *
check_dmarc (const DsnReport *rep, const DsnRecipient *r, const char *from, DsnResolver *res,
             GCancellable *cancellable)
{
  DsnRecheck *c = dsn_recheck_new ("dmarc", from);
  g_autoptr (GError) error = NULL;
  g_autoptr (DsnAudit) audit
      = dsn_resolver_audit (res, from, DSN_AREA_DMARC, NULL, NULL, cancellable, &error);
  if (!audit) {
    failed (c, error, "recheck.invalid_domain", "domain", c->target);
    return c;
  }
  audit_details (c, audit);
  if (dsn_audit_get_verdict (audit, DSN_AREA_DMARC) == DSN_VERDICT_UNKNOWN) {
    from_audit (c, audit, DSN_AREA_DMARC);
    c->status = DSN_RECHECK_UNCHECKED;
    return c;
  }
  JsonObject *data = area_data (c->details[0], "dmarc");
  const char *policy = object_string (data, "policy");
  JsonObject *tags = data && json_object_has_member (data, "tags")
                         ? json_object_get_object_member (data, "tags")
                         : NULL;
  gboolean strict_spf = !g_strcmp0 (object_string (tags, "aspf"), "s");
  gboolean strict_dkim = !g_strcmp0 (object_string (tags, "adkim"), "s");
  if (has_finding (audit, "dmarc.missing") || !policy
      || (strcmp (policy, "quarantine") != 0 && strcmp (policy, "reject") != 0)) {
    /* The domain no longer asks receivers to act on failures. */
    c->status = DSN_RECHECK_GONE;
    found (c, "recheck.dmarc_relaxed", "domain", from, "policy", policy, NULL);
    return c;
  }
  g_autofree char *envelope = envelope_of (rep, r);
  g_autofree char *envelope_domain = domain_part (envelope);
  gboolean spf_aligned = dmarc_aligned (envelope_domain, from, strict_spf);
  const char *signer = NULL;
  gboolean dkim_aligned = FALSE;
  for (guint i = 0; rep->original_dkim && i < rep->original_dkim->len; i++) {
    const char *d = rep->original_dkim->pdata[i];
    if (!signer || dmarc_aligned (d, from, strict_dkim))
      signer = d;
    if (dmarc_aligned (d, from, strict_dkim))
      dkim_aligned = TRUE;
  }
  const char *reject = !strcmp (policy, "reject") ? "yes" : NULL;
  const char *spf_result = NULL; /* SPF's result for the aligned envelope domain */
  if (spf_aligned && r->sending_ip) {
    use_address (c, r);
    g_autofree char *mail_from = sender_address (envelope, envelope_domain);
    g_autoptr (DsnSpfResult) spf = dsn_resolver_check_spf (res, r->sending_ip, envelope_domain,
                                                           mail_from, NULL, cancellable, NULL);
    DsnSpfCode code = spf ? dsn_spf_result_get_code (spf) : DSN_SPF_TEMPERROR;
    if (code == DSN_SPF_PASS) {
      c->status = DSN_RECHECK_GONE;
      found (c, "recheck.dmarc_spf_passes", "domain", from, "policy", policy, "envelope",
             envelope_domain, "ip", r->sending_ip, NULL);
      return c;
    }
    spf_result = dsn_spf_code_to_string (code);
  }
  c->status = DSN_RECHECK_STILL;
  found (c, "recheck.dmarc_still", "domain", from, "policy", policy, "reject", reject, "envelope",
         envelope_domain, "spf_aligned", spf_aligned ? "yes" : NULL, "spf", spf_result, "ip",
         r->sending_ip, "signer", signer, "dkim_aligned", dkim_aligned ? "yes" : NULL, NULL);
  return c;
}

/* DNS zones of the blocklists the rules name. */
static const char *
blocklist_zone (const char *name)
{
  static const struct {
    const char *name;
    const char *zone;
  } zones[] = {
    { "Spamhaus", "zen.spamhaus.org" },           { "SpamCop", "bl.spamcop.net" },
    { "Barracuda", "b.barracudacentral.org" },    { "SORBS", "dnsbl.sorbs.net" },
    { "UCEPROTECT", "dnsbl-1.uceprotect.net" },   { "PSBL", "psbl.surriel.com" },
    { "Mailspike", "bl.mailspike.net" },          { "SpamRATS", "all.spamrats.com" },
    { "Backscatterer", "ips.backscatterer.org" }, { "Hostkarma", "hostkarma.junkemailfilter.com" },
    { "CBL (Abuseat)", "cbl.abuseat.org" },
  };
  for (gsize i = 0; name && i < G_N_ELEMENTS (zones); i++)
    if (g_ascii_strcasecmp (zones[i].name, name) == 0)
      return zones[i].zone;
  return NULL;
}

/* The DNS zone of the list a server names in WORDS ("blocked using
 * zen.spamhaus.org", "listed in bl.example.org"), lower case; NULL if it
 * names none as a DNS zone. */
static char *
zone_in_words (const char *words)
{
  static const char *const keys[]
      = { "blocked using ", "listed in ", "listed on ", "listed at ", "found in ", "rbl ", NULL };
  for (const char *const *k = keys; words && *k; k++)
    for (const char *p = dsn_strcasestr (words, *k); p; p = dsn_strcasestr (p + 1, *k)) {
      const char *z = p + strlen (*k);
      gsize n = strspn (z, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
      while (n && z[n - 1] == '.')
        n--;
      if (n < 4 || z[n] == '/' || z[n] == ':' || !memchr (z, '.', n))
        continue;
      g_autofree char *zone = g_ascii_strdown (z, n);
      /* Not an address, and a name of at least two labels. */
      g_autoptr (GInetAddress) a = g_inet_address_new_from_string (zone);
      if (!a)
        return g_steal_pointer (&zone);
    }
  return NULL;
}

/* A blocklist: is the address still on the list the server named (and on
 * the lists asked for)? Without a named list, on any list queried. */
static DsnRecheck *
check_dnsbl (const DsnRecipient *r, DsnResolver *res, const char *const *dnsbl_zones,
             GCancellable *cancellable)
{
  if (!r->sending_ip) {
    DsnRecheck *c = dsn_recheck_new ("dnsbl", NULL);
    unchecked (c, "recheck.no_address", NULL);
    return c;
  }
  const char *ip = r->sending_ip;
  DsnRecheck *c = dsn_recheck_new ("dnsbl", ip);
  use_address (c, r);
  g_autofree char *named = zone_in_words (r->diagnostic);
  if (!named && blocklist_zone (r->blocklist))
    named = g_strdup (blocklist_zone (r->blocklist));
  if (r->blocklist && !named && !dnsbl_zones) {
    found (c, "recheck.blocklist_not_dns", "blocklist", r->blocklist, NULL);
    return c;
  }
  g_autoptr (GPtrArray) zones = g_ptr_array_new ();
  if (named)
    g_ptr_array_add (zones, named);
  for (const char *const *z = dnsbl_zones; z && *z; z++)
    if (!named || g_ascii_strcasecmp (*z, named) != 0)
      g_ptr_array_add (zones, (gpointer)*z);
  g_ptr_array_add (zones, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (DsnAudit) audit = dsn_resolver_audit (
      res, ip, DSN_AREA_DNSBL, NULL, zones->len > 1 ? (const char *const *)zones->pdata : NULL,
      cancellable, &error);
  if (!audit) {
    failed (c, error, "recheck.invalid_domain", "domain", c->target);
    return c;
  }
  if (!named) {
    from_audit (c, audit, DSN_AREA_DNSBL);
    if (!c->found)
      unchecked (c, "recheck.nothing", NULL);
    return c;
  }
  /* The named list decides; the others are said alongside. */
  audit_details (c, audit);
  JsonObject *data = area_data (c->details[0], "dnsbl");
  JsonArray *results = data && json_object_has_member (data, "results")
                           ? json_object_get_array_member (data, "results")
                           : NULL;
  const char *status = NULL;
  GString *others = g_string_new (NULL);
  for (guint i = 0; results && i < json_array_get_length (results); i++) {
    JsonObject *e = json_array_get_object_element (results, i);
    const char *zone = object_string (e, "zone");
    const char *st = object_string (e, "status");
    if (!zone || !st)
      continue;
    if (!g_ascii_strcasecmp (zone, named))
      status = st;
    else if (!strcmp (st, "listed"))
      g_string_append_printf (others, "%s%s", others->len ? ", " : "", zone);
  }
  g_autofree char *listed_elsewhere = g_string_free (others, others->len == 0);
  if (!g_strcmp0 (status, "listed")) {
    c->status = DSN_RECHECK_STILL;
    for (guint i = 0; i < dsn_audit_get_n_findings (audit); i++) {
      const DsnFinding *f = dsn_audit_get_finding (audit, i);
      if (g_str_has_prefix (dsn_finding_get_code (f), "dnsbl.listed")
          && !g_strcmp0 (finding_arg (f, "zone"), named)) {
        c->found = dsn_finding_copy (f);
        break;
      }
    }
  } else if (!g_strcmp0 (status, "clean")) {
    c->status = DSN_RECHECK_GONE;
    found (c, "recheck.dnsbl_gone", "ip", ip, "zone", named, "others", listed_elsewhere, NULL);
  } else {
    /* Refused or failed: the audit says which. */
    c->status = DSN_RECHECK_UNCHECKED;
    for (guint i = 0; i < dsn_audit_get_n_findings (audit) && !c->found; i++)
      if (dsn_finding_get_unchecked (dsn_audit_get_finding (audit, i)))
        c->found = dsn_finding_copy (dsn_audit_get_finding (audit, i));
  }
  if (!c->found)
    unchecked (c, "recheck.nothing", NULL);
  return c;
}

static DsnRecheck *
check_recipient (DsnReport *rep, DsnRecipient *r, DsnResolver *res, const char *const *dnsbl_zones,
                 GCancellable *cancellable)
{
  const char *cat = r->category ? r->category->id : "";
  const char *rcpt_domain
      = r->address && strrchr (r->address, '@') ? strrchr (r->address, '@') + 1 : NULL;

  if (!strcmp (cat, "spf-failure"))
    return check_spf (rep, r, res, cancellable);

  if (!strcmp (cat, "dmarc-rejection") || !strcmp (cat, "dkim-failure")
      || !strcmp (cat, "auth-failure")) {
    g_autofree char *from = dsn_text_address_domain (dsn_report_get_original_header (rep, "From"));
    if (!from) {
      g_autofree char *sender = sender_of (rep);
      g_free (from);
      from = dsn_text_address_domain (sender);
    }
    if (!from) {
      DsnRecheck *c = dsn_recheck_new (strcmp (cat, "dkim-failure") ? "dmarc" : "dkim", NULL);
      unchecked (c, "recheck.no_sender_domain", NULL);
      return c;
    }
    if (!strcmp (cat, "dkim-failure")) {
      /* The selector the original was signed with, when it says. */
      const char *sel[2] = { NULL, NULL };
      for (guint i = 0; rep->original_dkim_selectors && i < rep->original_dkim->len; i++)
        if (dsn_domain_aligned (rep->original_dkim->pdata[i], from))
          sel[0] = rep->original_dkim_selectors->pdata[i];
      return check_area ("dkim", from, DSN_AREA_DKIM, sel[0] ? sel : NULL, NULL, res, cancellable);
    }
    return check_dmarc (rep, r, from, res, cancellable);
  }

  if (!strcmp (cat, "domain-not-found") || !strcmp (cat, "dns-error")
      || !strcmp (cat, "domain-no-mail")) {
    if (!rcpt_domain) {
      DsnRecheck *c = dsn_recheck_new ("mx", NULL);
      unchecked (c, "recheck.no_recipient_domain", NULL);
      return c;
    }
    return check_area ("mx", rcpt_domain, DSN_AREA_MX, NULL, NULL, res, cancellable);
  }

  if (!strcmp (cat, "blocklist"))
    return check_dnsbl (r, res, dnsbl_zones, cancellable);

  if (!strcmp (cat, "missing-reverse-dns")) {
    if (!r->sending_ip) {
      DsnRecheck *c = dsn_recheck_new ("ptr", NULL);
      unchecked (c, "recheck.no_address", NULL);
      return c;
    }
    DsnRecheck *c = check_area ("ptr", r->sending_ip, DSN_AREA_PTR, NULL, NULL, res, cancellable);
    use_address (c, r);
    return c;
  }
  return NULL;
}

/* Two recipients with the same cause share one check. */
static char *
check_key (const DsnRecipient *r)
{
  const char *cat = r->category ? r->category->id : "";
  if (!strcmp (cat, "domain-not-found") || !strcmp (cat, "dns-error")
      || !strcmp (cat, "domain-no-mail")) {
    const char *at = r->address ? strrchr (r->address, '@') : NULL;
    return g_strdup_printf ("mx %s", at ? at : "");
  }
  g_autofree char *envelope = envelope_in_words (r->diagnostic);
  g_autofree char *zone = zone_in_words (r->diagnostic);
  return g_strdup_printf ("%s %s %s %s %s", cat, r->blocklist ? r->blocklist : "", zone ? zone : "",
                          r->sending_ip ? r->sending_ip : "", envelope ? envelope : "");
}

guint
dsn_report_check (DsnReport *rep, DsnResolver *res, const char *const *dnsbl_zones,
                  GCancellable *cancellable)
{
  g_return_val_if_fail (rep && res, 0);
  guint n = 0;
  g_autoptr (GHashTable) done = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < rep->recipients->len; i++) {
    DsnRecipient *r = rep->recipients->pdata[i];
    dsn_recheck_free (r->check);
    r->check = NULL;
    g_autofree char *key = check_key (r);
    DsnRecipient *same = g_hash_table_lookup (done, key);
    if (same && same->check) {
      const DsnRecheck *o = same->check;
      DsnRecheck *c = dsn_recheck_new (o->what, o->target);
      c->status = o->status;
      c->found = o->found ? dsn_finding_copy (o->found) : NULL;
      if (o->details) {
        c->details = g_new0 (JsonNode *, dsn_lang_count ());
        for (int l = 0; l < dsn_lang_count (); l++)
          c->details[l] = json_node_ref (o->details[l]);
      }
      c->address = g_strdup (o->address);
      c->address_source = o->address_source;
      c->address_evidence = g_strdup (o->address_evidence);
      c->address_found = o->address_found ? dsn_finding_copy (o->address_found) : NULL;
      r->check = c;
      continue;
    }
    r->check = check_recipient (rep, r, res, dnsbl_zones, cancellable);
    if (r->check) {
      n++;
      g_hash_table_insert (done, g_steal_pointer (&key), r);
    }
  }
  return n;
}
