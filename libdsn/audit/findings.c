/* The catalogue of mailcheck findings: stable codes, severities, RFC
 * references and texts in English and French. The texts are data
 * (mailcheck-findings.keys, a GKeyFile whose localized keys give the French),
 * embedded with GResource so an installed tool needs no data path.
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "audit.h"

#include <string.h>

#include "dsn-mailcheck-resource.h"

static const struct {
  DsnArea area;
  const char *name;
} areas[DSN_N_AREAS] = {
  { DSN_AREA_MX, "mx" },         { DSN_AREA_SPF, "spf" },         { DSN_AREA_DMARC, "dmarc" },
  { DSN_AREA_DKIM, "dkim" },     { DSN_AREA_MTA_STS, "mta-sts" }, { DSN_AREA_TLS_RPT, "tls-rpt" },
  { DSN_AREA_BIMI, "bimi" },     { DSN_AREA_PTR, "ptr" },         { DSN_AREA_DNSBL, "dnsbl" },
  { DSN_AREA_DNSSEC, "dnssec" },
};

int
dsn_area_index (DsnArea area)
{
  for (int i = 0; i < DSN_N_AREAS; i++)
    if (areas[i].area == area)
      return i;
  return -1;
}

DsnArea
dsn_area_from_index (int i)
{
  return areas[i].area;
}

DsnArea
dsn_area_from_string (const char *name)
{
  for (int i = 0; i < DSN_N_AREAS; i++)
    if (!g_ascii_strcasecmp (areas[i].name, name))
      return areas[i].area;
  /* codes spell the area with an underscore: mta_sts.missing */
  if (!g_ascii_strcasecmp (name, "mta_sts"))
    return DSN_AREA_MTA_STS;
  if (!g_ascii_strcasecmp (name, "tls_rpt"))
    return DSN_AREA_TLS_RPT;
  return 0;
}

const char *
dsn_area_to_string (DsnArea area)
{
  int i = dsn_area_index (area);
  return i < 0 ? NULL : areas[i].name;
}

const char *
dsn_severity_to_string (DsnSeverity severity)
{
  switch (severity) {
  case DSN_SEVERITY_OK: return "ok";
  case DSN_SEVERITY_INFO: return "info";
  case DSN_SEVERITY_WARNING: return "warning";
  case DSN_SEVERITY_ERROR: return "error";
  }
  return "info";
}

const char *
dsn_verdict_to_string (DsnVerdict verdict)
{
  switch (verdict) {
  case DSN_VERDICT_OK: return "ok";
  case DSN_VERDICT_NONE: return "none";
  case DSN_VERDICT_WARNING: return "warning";
  case DSN_VERDICT_ERROR: return "error";
  case DSN_VERDICT_UNKNOWN: return "unknown";
  case DSN_VERDICT_SKIPPED: return "skipped";
  }
  return "unknown";
}

/* ------------------------------------------------------------ catalogue */

typedef struct {
  GPtrArray *defs;
  GHashTable *by_code;
} Catalogue;

static void
def_free (DsnFindingDef *d)
{
  g_free (d->code);
  g_free (d->rfc);
  for (int i = 0; i < DSN_N_LANGS; i++) {
    g_free (d->message[i]);
    g_free (d->advice[i]);
  }
  g_free (d);
}

static gboolean
parse_severity (const char *s, DsnSeverity *out)
{
  static const char *const names[] = { "ok", "info", "warning", "error" };
  for (gsize i = 0; s && i < G_N_ELEMENTS (names); i++)
    if (!strcmp (s, names[i])) {
      *out = (DsnSeverity)i;
      return TRUE;
    }
  return FALSE;
}

static gpointer
load_catalogue (gpointer data)
{
  Catalogue *cat = g_new0 (Catalogue, 1);
  cat->defs = g_ptr_array_new_with_free_func ((GDestroyNotify)def_free);
  cat->by_code = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GBytes) bytes = g_resource_lookup_data (
      dsn_mailcheck_get_resource (), "/org/libdsn/mailcheck/mailcheck-findings.keys",
      G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  gsize len = 0;
  const char *text = bytes ? g_bytes_get_data (bytes, &len) : NULL;
  if (!text || !g_key_file_load_from_data (kf, text, len, G_KEY_FILE_KEEP_TRANSLATIONS, &error)) {
    g_critical ("mailcheck findings catalogue: %s", error ? error->message : "missing");
    return cat;
  }
  g_auto (GStrv) groups = g_key_file_get_groups (kf, NULL);
  for (char **g = groups; *g; g++) {
    DsnFindingDef *d = g_new0 (DsnFindingDef, 1);
    d->code = g_strdup (*g);
    g_autofree char *prefix = g_strndup (*g, strcspn (*g, "."));
    d->area = dsn_area_from_string (prefix);
    g_autofree char *sev = g_key_file_get_string (kf, *g, "severity", NULL);
    if (!parse_severity (sev, &d->severity))
      g_critical ("mailcheck finding %s: bad severity", *g);
    d->unchecked = g_key_file_get_boolean (kf, *g, "unchecked", NULL);
    d->absent = g_key_file_get_boolean (kf, *g, "absent", NULL);
    d->rfc = g_key_file_get_string (kf, *g, "rfc", NULL);
    for (int i = 0; i < DSN_N_LANGS; i++) {
      /* The untranslated key is English; a missing translation falls back to it. */
      d->message[i] = i ? g_key_file_get_locale_string (kf, *g, "message", dsn_lang_name (i), NULL)
                        : g_key_file_get_string (kf, *g, "message", NULL);
      d->advice[i] = i ? g_key_file_get_locale_string (kf, *g, "advice", dsn_lang_name (i), NULL)
                       : g_key_file_get_string (kf, *g, "advice", NULL);
    }
    g_ptr_array_add (cat->defs, d);
    g_hash_table_insert (cat->by_code, d->code, d);
  }
  return cat;
}

static Catalogue *
catalogue (void)
{
  static GOnce once = G_ONCE_INIT;
  return g_once (&once, load_catalogue, NULL);
}

const DsnFindingDef *
dsn_finding_def (const char *code)
{
  return g_hash_table_lookup (catalogue ()->by_code, code);
}

GPtrArray *
dsn_finding_defs (void)
{
  return catalogue ()->defs;
}

/* ------------------------------------------------------------ findings */

static char *
fill (const char *tmpl, GPtrArray *args)
{
  if (!tmpl)
    return NULL;
  GString *out = g_string_new (NULL);
  for (const char *p = tmpl; *p;) {
    const char *close;
    if (*p == '{' && (close = strchr (p, '}'))) {
      g_autofree char *name = g_strndup (p + 1, (gsize)(close - p - 1));
      const char *value = NULL;
      for (guint i = 0; i + 1 < args->len; i += 2)
        if (!strcmp (args->pdata[i], name))
          value = args->pdata[i + 1];
      if (value) {
        g_string_append (out, value);
        p = close + 1;
        continue;
      }
    }
    g_string_append_c (out, *p++);
  }
  return g_string_free (out, FALSE);
}

DsnFinding *
dsn_finding_new (const char *code, GPtrArray *args)
{
  const DsnFindingDef *def = dsn_finding_def (code);
  if (!def) {
    g_critical ("unknown mailcheck finding %s", code);
    return NULL;
  }
  DsnFinding *f = g_new0 (DsnFinding, 1);
  f->def = def;
  f->args = args ? args : g_ptr_array_new_with_free_func (g_free);
  for (int i = 0; i < DSN_N_LANGS; i++) {
    f->message[i] = fill (def->message[i] ? def->message[i] : def->message[0], f->args);
    f->advice[i] = fill (def->advice[i] ? def->advice[i] : def->advice[0], f->args);
  }
  return f;
}

void
dsn_finding_free (DsnFinding *f)
{
  if (!f)
    return;
  g_ptr_array_unref (f->args);
  for (int i = 0; i < DSN_N_LANGS; i++) {
    g_free (f->message[i]);
    g_free (f->advice[i]);
  }
  g_free (f);
}

const char *
dsn_finding_get_code (const DsnFinding *f)
{
  return f->def->code;
}

DsnArea
dsn_finding_get_area (const DsnFinding *f)
{
  return f->def->area;
}

DsnSeverity
dsn_finding_get_severity (const DsnFinding *f)
{
  return f->def->severity;
}

gboolean
dsn_finding_get_unchecked (const DsnFinding *f)
{
  return f->def->unchecked;
}

const char *
dsn_finding_get_rfc (const DsnFinding *f)
{
  return f->def->rfc;
}

const char *
dsn_finding_get_message (const DsnFinding *f, const char *lang)
{
  return f->message[dsn_lang_index (lang)];
}

const char *
dsn_finding_get_advice (const DsnFinding *f, const char *lang)
{
  return f->advice[dsn_lang_index (lang)];
}
