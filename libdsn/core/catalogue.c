/* The catalogue: every sentence the library shows a person, as data.
 *
 * One key file per subject under catalogue/ (headers, backscatter,
 * warnings, recheck, mailcheck, details, and the tools' own words in cli),
 * embedded with GResource so an installed tool needs no data path. A group
 * is a stable code; its keys are attributes (severity, rfc, unchecked,
 * absent) and texts (message, advice, explanation...), each text in every
 * language of catalogue/languages.keys as message[fr]=. Loaded once, on
 * first use, and never modified after: threads share it.
 *
 * A finding is an entry instantiated with arguments: header findings,
 * backscatter evidence, re-check texts and mailcheck's findings alike.
 *
 * SPDX-License-Identifier: BSD-2-Clause */
#include "core.h"

#include <pthread.h>
#include <string.h>

#include "dsn-catalogue-resource.h"

#define RESOURCE_DIR "/org/libdsn/catalogue/"

typedef struct {
  GHashTable *by_code; /* code -> DsnEntry, owned */
  GPtrArray *subjects; /* char*: file names without .keys */
} Catalogue;

/* Keys that are attributes, not texts to translate. */
static const char *const attribute_keys[] = { "severity", "unchecked", "absent", "rfc", NULL };

static void
strv_free_n (gpointer p)
{
  char **v = p;
  for (int i = 0; i < dsn_lang_count (); i++)
    g_free (v[i]);
  g_free (v);
}

static void
entry_free (DsnEntry *e)
{
  g_free (e->code);
  g_free (e->rfc);
  g_hash_table_unref (e->texts);
  g_free (e);
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

static DsnEntry *
load_entry (DsnKeys *kf, const char *group, const char *subject)
{
  DsnEntry *e = g_new0 (DsnEntry, 1);
  e->code = g_strdup (group);
  e->subject = subject;
  e->severity = DSN_SEVERITY_INFO;
  g_autofree char *sev = dsn_keys_get_string (kf, group, "severity");
  if (sev && !parse_severity (sev, &e->severity))
    g_critical ("catalogue %s: [%s]: bad severity \"%s\"", subject, group, sev);
  e->unchecked = dsn_keys_get_boolean (kf, group, "unchecked");
  e->absent = dsn_keys_get_boolean (kf, group, "absent");
  e->rfc = dsn_keys_get_string (kf, group, "rfc");
  e->texts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, strv_free_n);
  g_auto (GStrv) keys = dsn_keys_get_keys (kf, group);
  for (char **k = keys; k && *k; k++) {
    if (strchr (*k, '[') || g_strv_contains (attribute_keys, *k))
      continue;
    char **text = g_new0 (char *, dsn_lang_count ());
    text[0] = dsn_keys_get_string (kf, group, *k);
    g_hash_table_insert (e->texts, g_strdup (*k), text);
  }
  /* Only an explicit translation counts (KEY[LANG]=): GKeyFile's locale
   * getter would fall back on the untranslated value. */
  for (char **k = keys; k && *k; k++) {
    const char *br = strchr (*k, '[');
    if (!br)
      continue;
    g_autofree char *base = g_strndup (*k, br - *k);
    char **text = g_hash_table_lookup (e->texts, base);
    gsize n = strlen (br + 1);
    for (int l = 1; text && n > 1 && l < dsn_lang_count (); l++)
      if (strlen (dsn_lang_name (l)) == n - 1 && !strncmp (br + 1, dsn_lang_name (l), n - 1)
          && br[n] == ']')
        text[l] = dsn_keys_get_string (kf, group, *k);
  }
  return e;
}

static void
load_file (Catalogue *cat, GResource *res, const char *name)
{
  g_autofree char *path = g_strconcat (RESOURCE_DIR, name, NULL);
  g_autoptr (GBytes) bytes = g_resource_lookup_data (res, path, 0, NULL);
  g_autoptr (DsnKeys) kf = NULL;
  g_autoptr (GError) error = NULL;
  gsize len = 0;
  const char *text = bytes ? g_bytes_get_data (bytes, &len) : NULL;
  if (!text || !(kf = dsn_keys_load (text, len, &error))) {
    g_critical ("catalogue %s: %s", name, error ? error->message : "missing");
    return;
  }
  char *subject = g_strndup (name, strlen (name) - strlen (".keys"));
  g_ptr_array_add (cat->subjects, subject);
  g_auto (GStrv) groups = dsn_keys_get_groups (kf);
  for (char **g = groups; *g; g++) {
    if (g_hash_table_contains (cat->by_code, *g)) {
      g_critical ("catalogue %s: [%s] is given twice", name, *g);
      continue;
    }
    DsnEntry *e = load_entry (kf, *g, subject);
    g_hash_table_insert (cat->by_code, e->code, e);
  }
}

static Catalogue *
load_catalogue (void)
{
  Catalogue *cat = g_new0 (Catalogue, 1);
  cat->by_code = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify)entry_free);
  cat->subjects = g_ptr_array_new_with_free_func (g_free);
  GResource *res = dsn_catalogue_get_resource ();
  g_auto (GStrv) names = g_resource_enumerate_children (res, RESOURCE_DIR, 0, NULL);
  for (char **n = names; n && *n; n++)
    if (g_str_has_suffix (*n, ".keys") && strcmp (*n, "languages.keys") != 0)
      load_file (cat, res, *n);
  return cat;
}

/* pthread_once, not g_once: ThreadSanitizer sees its ordering (GLib's is
 * invisible to it), so the threads reading what it made are checked. */
static pthread_once_t catalogue_once = PTHREAD_ONCE_INIT;
static Catalogue *the_catalogue;

static void
catalogue_init (void)
{
  the_catalogue = load_catalogue ();
}

static Catalogue *
catalogue (void)
{
  pthread_once (&catalogue_once, catalogue_init);
  return the_catalogue;
}

const DsnEntry *
dsn_catalogue_entry (const char *code)
{
  return code ? g_hash_table_lookup (catalogue ()->by_code, code) : NULL;
}

const char *
dsn_entry_text (const DsnEntry *e, const char *key, int lang)
{
  char **text = e ? g_hash_table_lookup (e->texts, key) : NULL;
  if (!text)
    return NULL;
  return lang > 0 && lang < dsn_lang_count () && text[lang] ? text[lang] : text[0];
}

/* ------------------------------------------------------------ placeholders */

/* The value of the argument NAME (LEN bytes), the last one given; NULL if
 * there is none. */
static const char *
arg_value (const GPtrArray *args, const char *name, gsize len)
{
  const char *value = NULL;
  for (guint i = 0; args && i + 1 < args->len; i += 2) {
    const char *n = args->pdata[i];
    if (strlen (n) == len && !memcmp (n, name, len))
      value = args->pdata[i + 1];
  }
  return value;
}

/* VALUE as the entry SUBJECT.VALUE of the catalogue says it in LANG ("-"
 * in VALUE is "_" in the code); VALUE itself when there is none. */
static const char *
code_text (const char *subject, gsize len, const char *value, int lang)
{
  g_autofree char *code = g_strdup_printf ("%.*s.%s", (int)len, subject, value);
  g_strdelimit (code + len + 1, "-", '_');
  const char *text = dsn_entry_text (dsn_catalogue_entry (code), "message", lang);
  return text ? text : value;
}

static void
fill_range (GString *out, const char *p, const char *end, const GPtrArray *args, int lang)
{
  while (p < end) {
    const char *brace = memchr (p, '{', end - p);
    if (!brace) {
      g_string_append_len (out, p, end - p);
      return;
    }
    g_string_append_len (out, p, brace - p);
    const char *name = brace + 1, *q = name;
    while (q < end && (g_ascii_isalnum (*q) || *q == '_'))
      q++;
    /* {name:subject}: a code, said by the entry subject.VALUE. */
    if (q < end && *q == ':') {
      const char *subject = q + 1, *r = subject;
      while (r < end && (g_ascii_isalnum (*r) || *r == '_'))
        r++;
      if (q > name && r > subject && r < end && *r == '}') {
        const char *value = arg_value (args, name, q - name);
        if (value)
          g_string_append (out, code_text (subject, r - subject, value, lang));
        else
          g_string_append_len (out, brace, r + 1 - brace);
        p = r + 1;
        continue;
      }
    }
    if (q == name || q >= end || (*q != '}' && *q != '?' && *q != '|')) {
      g_string_append_c (out, '{');
      p = brace + 1;
      continue;
    }
    const char *value = arg_value (args, name, q - name);
    if (*q == '}') {
      if (value)
        g_string_append (out, value);
      else
        g_string_append_len (out, brace, q + 1 - brace);
      p = q + 1;
      continue;
    }
    /* {name?TEXT|OTHER} or {name|OTHER}: the closing brace at this level,
     * and the bar that starts OTHER. */
    const char *bar = *q == '|' ? q : NULL, *close = NULL;
    int depth = 0;
    for (const char *r = q + 1; r < end && !close; r++) {
      if (*r == '{')
        depth++;
      else if (*r == '}' && depth)
        depth--;
      else if (*r == '}')
        close = r;
      else if (*r == '|' && !depth && !bar)
        bar = r;
    }
    if (!close) {
      g_string_append_c (out, '{');
      p = brace + 1;
      continue;
    }
    if (*q == '|') {
      if (value)
        g_string_append (out, value);
      else
        fill_range (out, q + 1, close, args, lang);
    } else if (value) {
      fill_range (out, q + 1, bar ? bar : close, args, lang);
    } else if (bar) {
      fill_range (out, bar + 1, close, args, lang);
    }
    p = close + 1;
  }
}

char *
dsn_catalogue_fill (const char *tmpl, const GPtrArray *args, int lang)
{
  if (!tmpl)
    return NULL;
  gsize len = strlen (tmpl);
  GString *out = g_string_sized_new (len + 32);
  fill_range (out, tmpl, tmpl + len, args, lang);
  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------ text arguments
 *
 * An argument given as "NAME@" = CODE is a text of the catalogue itself
 * (a parser's reason, an SPF problem): {NAME} is CODE's message in the
 * language being filled, with CODE's own arguments given as "NAME.ARG".
 * Only the code names arguments, never the input, so a DNS record or a
 * message cannot forge one. */

static char *text_arg (const GPtrArray *args, const char *name, const char *code, int lang);

/* ARGS as the texts in language LANG see them: each text argument
 * resolved, its own arguments left out. Borrowed names, values owned by
 * OWNED. */
static GPtrArray *
args_in (const GPtrArray *args, int lang, GPtrArray *owned)
{
  GPtrArray *out = g_ptr_array_new ();
  for (guint i = 0; args && i + 1 < args->len; i += 2) {
    const char *name = args->pdata[i], *value = args->pdata[i + 1];
    gsize len = strlen (name);
    if (strchr (name, '.'))
      continue;
    if (len && name[len - 1] == '@') {
      char *base = g_strndup (name, len - 1);
      char *text = text_arg (args, base, value, lang);
      g_ptr_array_add (owned, base);
      g_ptr_array_add (owned, text);
      g_ptr_array_add (out, base);
      g_ptr_array_add (out, text);
      continue;
    }
    g_ptr_array_add (out, (gpointer)name);
    g_ptr_array_add (out, (gpointer)value);
  }
  return out;
}

/* The message of CODE, the value of the text argument NAME of ARGS, in
 * LANG. */
static char *
text_arg (const GPtrArray *args, const char *name, const char *code, int lang)
{
  const DsnEntry *e = dsn_catalogue_entry (code);
  if (!e) {
    g_critical ("no catalogue entry %s", code);
    return g_strdup (code);
  }
  g_autofree char *prefix = g_strconcat (name, ".", NULL);
  gsize n = strlen (prefix);
  g_autoptr (GPtrArray) own = g_ptr_array_new ();
  for (guint i = 0; i + 1 < args->len; i += 2)
    if (!strncmp (args->pdata[i], prefix, n)) {
      g_ptr_array_add (own, (char *)args->pdata[i] + n);
      g_ptr_array_add (own, args->pdata[i + 1]);
    }
  g_autoptr (GPtrArray) owned = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) resolved = args_in (own, lang, owned);
  return dsn_catalogue_fill (dsn_entry_text (e, "message", lang), resolved, lang);
}

void
dsn_args_add_text (GPtrArray *args, const char *name, const DsnFinding *text)
{
  g_ptr_array_add (args, g_strconcat (name, "@", NULL));
  g_ptr_array_add (args, g_strdup (text->def->code));
  for (guint i = 0; i + 1 < text->args->len; i += 2) {
    g_ptr_array_add (args, g_strconcat (name, ".", text->args->pdata[i], NULL));
    g_ptr_array_add (args, g_strdup (text->args->pdata[i + 1]));
  }
}

GPtrArray *
dsn_finding_args (const DsnFinding *f, int lang)
{
  g_autoptr (GPtrArray) owned = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) view = args_in (f->args, lang, owned);
  GPtrArray *out = g_ptr_array_new_full (view->len, g_free);
  for (guint i = 0; i < view->len; i++)
    g_ptr_array_add (out, g_strdup (view->pdata[i]));
  return out;
}

/* ------------------------------------------------------------ findings */

/* A finding's text in one language, filled on first read: most findings
 * are shown in one language, and filling every language of every finding
 * was 3% of an analysis. The slot is published with a compare-and-swap, so
 * readers in several threads are safe; NO_TEXT marks an entry without
 * that text. */
static char no_text[] = "";

static const char *
finding_text (const DsnFinding *f, char **slots, const char *key, int lang)
{
  char *t = g_atomic_pointer_get (&slots[lang]);
  if (!t) {
    g_autoptr (GPtrArray) owned = g_ptr_array_new_with_free_func (g_free);
    g_autoptr (GPtrArray) view = args_in (f->args, lang, owned);
    char *filled = dsn_catalogue_fill (dsn_entry_text (f->def, key, lang), view, lang);
    t = filled ? filled : no_text;
    if (!g_atomic_pointer_compare_and_exchange (&slots[lang], NULL, t)) {
      if (filled)
        g_free (filled);
      t = g_atomic_pointer_get (&slots[lang]);
    }
  }
  return t == no_text ? NULL : t;
}

const char *
dsn_finding_message (const DsnFinding *f, int lang)
{
  return finding_text (f, f->message, "message", lang);
}

const char *
dsn_finding_advice (const DsnFinding *f, int lang)
{
  return finding_text (f, f->advice, "advice", lang);
}

static void
texts_free (char **texts)
{
  for (int i = 0; i < dsn_lang_count (); i++)
    if (texts[i] != no_text)
      g_free (texts[i]);
  g_free (texts);
}

DsnFinding *
dsn_finding_new (const char *code, GPtrArray *args)
{
  const DsnEntry *def = dsn_catalogue_entry (code);
  if (!def) {
    g_critical ("no catalogue entry %s", code);
    if (args)
      g_ptr_array_unref (args);
    return NULL;
  }
  DsnFinding *f = g_new0 (DsnFinding, 1);
  f->def = def;
  f->severity = def->severity;
  f->args = args ? args : g_ptr_array_new_with_free_func (g_free);
  f->message = g_new0 (char *, dsn_lang_count ());
  f->advice = g_new0 (char *, dsn_lang_count ());
  return f;
}

DsnFinding *
dsn_finding_new_valist (const char *code, va_list ap)
{
  GPtrArray *args = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = va_arg (ap, const char *))) {
    const char *value = va_arg (ap, const char *);
    if (!value)
      continue;
    g_ptr_array_add (args, g_strdup (name));
    /* Values often come from a message: a finding's text is valid UTF-8. */
    g_ptr_array_add (args, g_utf8_make_valid (value, -1));
  }
  return dsn_finding_new (code, args);
}

DsnFinding *
dsn_finding_newv (const char *code, ...)
{
  va_list ap;
  va_start (ap, code);
  DsnFinding *f = dsn_finding_new_valist (code, ap);
  va_end (ap);
  return f;
}

DsnFinding *
dsn_finding_copy (const DsnFinding *f)
{
  GPtrArray *args = g_ptr_array_new_full (f->args->len, g_free);
  for (guint i = 0; i < f->args->len; i++)
    g_ptr_array_add (args, g_strdup (f->args->pdata[i]));
  DsnFinding *copy = dsn_finding_new (f->def->code, args);
  copy->severity = f->severity;
  return copy;
}

void
dsn_finding_free (DsnFinding *f)
{
  if (!f)
    return;
  g_ptr_array_unref (f->args);
  texts_free (f->message);
  texts_free (f->advice);
  g_free (f);
}

/* ------------------------------------------------------------ public API */

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
dsn_finding_get_code (const DsnFinding *f)
{
  g_return_val_if_fail (f, NULL);
  return f->def->code;
}

DsnSeverity
dsn_finding_get_severity (const DsnFinding *f)
{
  g_return_val_if_fail (f, DSN_SEVERITY_INFO);
  return f->severity;
}

gboolean
dsn_finding_get_unchecked (const DsnFinding *f)
{
  g_return_val_if_fail (f, FALSE);
  return f->def->unchecked;
}

const char *
dsn_finding_get_rfc (const DsnFinding *f)
{
  g_return_val_if_fail (f, NULL);
  return f->def->rfc;
}

const char *
dsn_finding_get_message (const DsnFinding *f, const char *lang)
{
  g_return_val_if_fail (f, NULL);
  return dsn_finding_message (f, dsn_lang_index (lang));
}

const char *
dsn_finding_get_advice (const DsnFinding *f, const char *lang)
{
  g_return_val_if_fail (f, NULL);
  return dsn_finding_advice (f, dsn_lang_index (lang));
}

const char *
dsn_catalogue_get_text (const char *code, const char *key, const char *lang)
{
  g_return_val_if_fail (code && key, NULL);
  return dsn_entry_text (dsn_catalogue_entry (code), key, dsn_lang_index (lang));
}

char *
dsn_catalogue_format (const char *code, const char *key, const char *lang, ...)
{
  g_return_val_if_fail (code && key, NULL);
  const char *tmpl = dsn_catalogue_get_text (code, key, lang);
  if (!tmpl)
    return NULL;
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  va_list ap;
  va_start (ap, lang);
  const char *name;
  while ((name = va_arg (ap, const char *))) {
    const char *value = va_arg (ap, const char *);
    if (!value)
      continue;
    g_ptr_array_add (args, (gpointer)name);
    g_ptr_array_add (args, (gpointer)value);
  }
  va_end (ap);
  return dsn_catalogue_fill (tmpl, args, dsn_lang_index (lang));
}

void
dsn_finding_write_details (const DsnFinding *f, DsnJson *w, const char *lang)
{
  dsn_json_begin_object (w);
  g_autoptr (GPtrArray) args = dsn_finding_args (f, dsn_lang_index (lang));
  for (guint k = 0; k + 1 < args->len; k += 2)
    dsn_json_member (w, args->pdata[k], args->pdata[k + 1]);
  dsn_json_end_object (w);
}
