/* Live confirmation: is a bounce's cause still there? For diagnoses whose
 * cause lives in the DNS, the DNS engine re-checks it now and the answer is
 * attached to the recipient. Nothing here runs unless the caller asks.
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

static gboolean
has_finding (DsnAudit *audit, const char *code)
{
  for (guint i = 0; i < dsn_audit_get_n_findings (audit); i++)
    if (!strcmp (dsn_finding_get_code (dsn_audit_get_finding (audit, i)), code))
      return TRUE;
  return FALSE;
}

/* Sets the check's outcome and text from the audit of AREA. */
static void
from_audit (DsnRecheck *c, DsnAudit *audit, DsnArea area)
{
  DsnVerdict v = dsn_audit_get_verdict (audit, area);
  if (v == DSN_VERDICT_UNKNOWN)
    c->status = DSN_RECHECK_UNCHECKED;
  else if (area == DSN_AREA_DMARC)
    /* A DMARC rejection holds as long as the domain asks receivers to
     * reject or quarantine what fails: a sound record is the cause. */
    c->status = has_finding (audit, "dmarc.missing") || has_finding (audit, "dmarc.policy_none")
                    ? DSN_RECHECK_GONE
                    : DSN_RECHECK_STILL;
  else
    c->status = v == DSN_VERDICT_OK ? DSN_RECHECK_GONE : DSN_RECHECK_STILL;
  for (guint i = 0; i < dsn_audit_get_n_findings (audit); i++) {
    const DsnFinding *f = dsn_audit_get_finding (audit, i);
    if (dsn_finding_get_area (f) != area)
      continue;
    c->found = dsn_finding_copy (f);
    break;
  }
  c->details = g_new0 (JsonNode *, dsn_lang_count ());
  for (int l = 0; l < dsn_lang_count (); l++)
    c->details[l] = dsn_audit_to_json (audit, dsn_lang_name (l));
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

static DsnRecheck *
check_spf (const DsnReport *rep, DsnResolver *res, GCancellable *cancellable)
{
  g_autofree char *sender = sender_of (rep);
  g_autofree char *domain = dsn_text_address_domain (sender);
  DsnRecheck *c = dsn_recheck_new ("spf", domain);
  if (!domain) {
    unchecked (c, "recheck.spf_no_sender", NULL);
    return c;
  }
  if (!rep->original_ip) {
    unchecked (c, "recheck.spf_no_address", NULL);
    return c;
  }
  g_autoptr (GError) error = NULL;
  g_autoptr (DsnSpfResult) spf
      = dsn_resolver_check_spf (res, rep->original_ip, domain, sender, NULL, cancellable, &error);
  if (!spf) {
    failed (c, error, "recheck.invalid_ip", "ip", rep->original_ip);
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
    found (c, "recheck.spf_pass", "domain", domain, "ip", rep->original_ip, NULL);
    break;
  case DSN_SPF_TEMPERROR: unchecked (c, "recheck.spf_temperror", NULL); break;
  default: {
    c->status = DSN_RECHECK_STILL;
    GPtrArray *args = g_ptr_array_new_with_free_func (g_free);
    const char *pairs[] = { "result", name, "domain", domain, "ip", rep->original_ip };
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

static DsnRecheck *
check_recipient (DsnReport *rep, DsnRecipient *r, DsnResolver *res, const char *const *dnsbl_zones,
                 GCancellable *cancellable)
{
  const char *cat = r->category ? r->category->id : "";
  const char *rcpt_domain
      = r->address && strrchr (r->address, '@') ? strrchr (r->address, '@') + 1 : NULL;

  if (!strcmp (cat, "spf-failure"))
    return check_spf (rep, res, cancellable);

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
    return check_area ("dmarc", from, DSN_AREA_DMARC, NULL, NULL, res, cancellable);
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

  if (!strcmp (cat, "blocklist") || !strcmp (cat, "missing-reverse-dns")) {
    gboolean ptr = !strcmp (cat, "missing-reverse-dns");
    if (!rep->original_ip) {
      DsnRecheck *c = dsn_recheck_new (ptr ? "ptr" : "dnsbl", NULL);
      unchecked (c, "recheck.no_address", NULL);
      return c;
    }
    if (ptr)
      return check_area ("ptr", rep->original_ip, DSN_AREA_PTR, NULL, NULL, res, cancellable);
    const char *zone = blocklist_zone (r->blocklist);
    if (r->blocklist && !zone && !dnsbl_zones) {
      DsnRecheck *c = dsn_recheck_new ("dnsbl", rep->original_ip);
      found (c, "recheck.blocklist_not_dns", "blocklist", r->blocklist, NULL);
      return c;
    }
    const char *one[2] = { zone, NULL };
    return check_area ("dnsbl", rep->original_ip, DSN_AREA_DNSBL, NULL, zone ? one : dnsbl_zones,
                       res, cancellable);
  }
  return NULL;
}

/* Two recipients with the same cause share one check. */
static char *
check_key (const DsnReport *rep, const DsnRecipient *r)
{
  const char *cat = r->category ? r->category->id : "";
  if (!strcmp (cat, "domain-not-found") || !strcmp (cat, "dns-error")
      || !strcmp (cat, "domain-no-mail")) {
    const char *at = r->address ? strrchr (r->address, '@') : NULL;
    return g_strdup_printf ("mx %s", at ? at : "");
  }
  return g_strdup_printf ("%s %s", cat, r->blocklist ? r->blocklist : "");
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
    g_autofree char *key = check_key (rep, r);
    DsnRecipient *same = g_hash_table_lookup (done, key);
    if (same && same->check) {
      DsnRecheck *c = dsn_recheck_new (same->check->what, same->check->target);
      c->status = same->check->status;
      c->found = same->check->found ? dsn_finding_copy (same->check->found) : NULL;
      if (same->check->details) {
        c->details = g_new0 (JsonNode *, dsn_lang_count ());
        for (int l = 0; l < dsn_lang_count (); l++)
          c->details[l] = json_node_ref (same->check->details[l]);
      }
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
