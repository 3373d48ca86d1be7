/* Unit tests for the catalogue (libdsn/core/catalogue.c, lang.c, keys.c): the
 * placeholder syntax, the languages, findings made from the embedded data.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "core/core.h"

static char *
fill (const char *tmpl, ...)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  va_list ap;
  va_start (ap, tmpl);
  const char *s;
  while ((s = va_arg (ap, const char *)))
    g_ptr_array_add (args, (gpointer)s);
  va_end (ap);
  return dsn_catalogue_fill (tmpl, args, 0);
}

static void
test_fill (void)
{
  static const struct {
    const char *tmpl, *name, *value, *want;
  } cases[] = {
    { "Hop {hop} took long.", "hop", "3", "Hop 3 took long." },
    { "Hop {hop} took long.", NULL, NULL, "Hop {hop} took long." },
    { "SPF{domain? for {domain}}: none.", "domain", "a.example", "SPF for a.example: none." },
    { "SPF{domain? for {domain}}: none.", NULL, NULL, "SPF: none." },
    { "at {host|an unknown server}.", "host", "mx.example", "at mx.example." },
    { "at {host|an unknown server}.", NULL, NULL, "at an unknown server." },
    { "not aligned{ok? (SPF is)|, DMARC fails}.", "ok", "yes", "not aligned (SPF is)." },
    { "not aligned{ok? (SPF is)|, DMARC fails}.", NULL, NULL, "not aligned, DMARC fails." },
    /* A conditional inside a conditional. */
    { "{a?[{b?{b}|no b}]|none}", "a", "1", "[no b]" },
    { "{a?[{b?{b}|no b}]|none}", "b", "2", "none" },
    /* Not placeholders: braces are kept as written. */
    { "{ x } {} {a? never closed", "a", "1", "{ x } {} {a? never closed" },
    { "policy {\"v\": 1}", NULL, NULL, "policy {\"v\": 1}" },
    /* A value is never read as a template. */
    { "said: {text}", "text", "{text} {x|y}", "said: {text} {x|y}" },
    { "", NULL, NULL, "" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *got = fill (cases[i].tmpl, cases[i].name, cases[i].value, NULL);
    g_assert_cmpstr (got, ==, cases[i].want);
  }
  /* The last argument of a name wins; an empty value is a value. */
  g_autofree char *last = fill ("{a}", "a", "1", "a", "2", NULL);
  g_assert_cmpstr (last, ==, "2");
  g_autofree char *empty = fill ("[{a|none}]", "a", "", NULL);
  g_assert_cmpstr (empty, ==, "[]");
  g_assert_null (dsn_catalogue_fill (NULL, NULL, 0));
  /* A code said by the catalogue, in the language asked; one it does not
   * know as it is. */
  g_autoptr (GPtrArray) code = g_ptr_array_new ();
  g_ptr_array_add (code, "x");
  g_ptr_array_add (code, "truncated");
  g_autofree char *en = dsn_catalogue_fill ("({x:mime})", code, 0);
  g_assert_cmpstr (en, ==, "(the message is truncated)");
  g_autofree char *fr = dsn_catalogue_fill ("({x:mime})", code, dsn_lang_index ("fr"));
  g_assert_cmpstr (fr, ==, "(le message est tronqué)");
  g_autofree char *other = dsn_catalogue_fill ("({x:nothing}) {y:mime} {:mime}", code, 0);
  g_assert_cmpstr (other, ==, "(truncated) {y:mime} {:mime}");
}

static void
test_languages (void)
{
  const char *const *langs = dsn_catalogue_get_languages ();
  g_assert_cmpstr (langs[0], ==, "en");
  g_assert_cmpint (dsn_lang_count (), ==, g_strv_length ((char **)langs));
  g_assert_cmpint (dsn_lang_count (), >=, 2);
  for (int i = 0; i < dsn_lang_count (); i++) {
    g_assert_cmpstr (dsn_lang_name (i), ==, langs[i]);
    g_assert_cmpint (dsn_lang_index (langs[i]), ==, i);
  }
  g_assert_null (dsn_lang_name (dsn_lang_count ()));
  g_assert_null (dsn_lang_name (-1));
  g_assert_cmpint (dsn_lang_index ("fr_FR.UTF-8"), ==, dsn_lang_index ("fr"));
  g_assert_cmpint (dsn_lang_index ("FR"), ==, dsn_lang_index ("fr"));
  g_assert_cmpint (dsn_lang_index (NULL), ==, 0);
  g_assert_cmpint (dsn_lang_index ("xx"), ==, 0);
}

static void
test_findings (void)
{
  /* An argument given as NULL is unknown: the text says so. */
  DsnFinding *f = dsn_finding_newv ("auth.spf_fail", "result", "softfail", "domain", NULL, NULL);
  g_assert_nonnull (f);
  g_assert_cmpstr (dsn_finding_get_code (f), ==, "auth.spf_fail");
  g_assert_cmpint (dsn_finding_get_severity (f), ==, DSN_SEVERITY_ERROR);
  g_assert_cmpstr (dsn_finding_get_message (f, "en"), ==,
                   "SPF softfail for the envelope sender: the sending server is not authorised by "
                   "that domain's SPF record.");
  g_assert_cmpstr (dsn_finding_get_message (f, "fr"), ==,
                   "SPF softfail pour l'expéditeur de l'enveloppe : le serveur d'envoi n'est pas "
                   "autorisé par l'enregistrement SPF de ce domaine.");
  /* An unknown language is English. */
  g_assert_cmpstr (dsn_finding_get_message (f, "xx"), ==, dsn_finding_get_message (f, NULL));
  g_assert_nonnull (dsn_finding_get_advice (f, "fr"));

  f->severity = DSN_SEVERITY_WARNING;
  DsnFinding *copy = dsn_finding_copy (f);
  g_assert_cmpint (dsn_finding_get_severity (copy), ==, DSN_SEVERITY_WARNING);
  g_assert_cmpstr (dsn_finding_get_message (copy, "fr"), ==, dsn_finding_get_message (f, "fr"));
  dsn_finding_free (copy);
  dsn_finding_free (f);

  /* Evidence has a message and no advice, nor severity. */
  f = dsn_finding_newv ("route.foreign", "host", "mx.example", "ip", "192.0.2.1", NULL);
  g_assert_cmpstr (dsn_finding_get_message (f, "en"), ==,
                   "The original never passed through your sending servers: it entered the mail "
                   "system at mx.example from 192.0.2.1.");
  g_assert_null (dsn_finding_get_advice (f, "fr"));
  g_assert_cmpint (dsn_finding_get_severity (f), ==, DSN_SEVERITY_INFO);
  dsn_finding_free (f);

  g_test_expect_message ("libdsn", G_LOG_LEVEL_CRITICAL, "no catalogue entry nope.nope");
  g_assert_null (dsn_finding_newv ("nope.nope", "a", "b", NULL));
  g_test_assert_expected_messages ();
}

/* An argument that is a text of the catalogue is filled in the language of
 * the text it goes into, in the message and in the arguments alike. */
static void
test_text_arguments (void)
{
  g_autoptr (DsnFinding) reason
      = dsn_finding_newv ("limit.recipients", "count", "3", "limit", "2", NULL);
  GPtrArray *args = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (args, g_strdup ("result"));
  g_ptr_array_add (args, g_strdup ("fail"));
  dsn_args_add_text (args, "reason", reason);
  g_autoptr (DsnFinding) f = dsn_finding_new ("auth.dkim_fail", args);
  g_assert_cmpstr (dsn_finding_get_message (f, "en"), ==,
                   "DKIM fail: 3 recipients: only the first 2 are reported.");
  g_assert_cmpstr (dsn_finding_get_message (f, "fr"), ==,
                   "DKIM fail : 3 destinataires : seuls les 2 premiers sont indiqués.");
  /* The arguments as each language sees them: the text's own are hidden. */
  g_autoptr (GPtrArray) en = dsn_finding_args (f, dsn_lang_index ("en"));
  g_autoptr (GPtrArray) fr = dsn_finding_args (f, dsn_lang_index ("fr"));
  g_assert_cmpuint (en->len, ==, 4);
  g_assert_cmpstr (en->pdata[2], ==, "reason");
  g_assert_cmpstr (en->pdata[3], ==, "3 recipients: only the first 2 are reported");
  g_assert_cmpstr (fr->pdata[3], ==, "3 destinataires : seuls les 2 premiers sont indiqués");
  /* A text inside a text, and a copy. */
  GPtrArray *outer = g_ptr_array_new_with_free_func (g_free);
  dsn_args_add_text (outer, "reason", f);
  g_autoptr (DsnFinding) g = dsn_finding_new ("auth.dkim_fail", outer);
  g_autoptr (DsnFinding) copy = dsn_finding_copy (g);
  g_assert_cmpstr (dsn_finding_get_message (copy, "fr"), ==,
                   "DKIM {result} : DKIM fail : 3 destinataires : seuls les 2 premiers sont "
                   "indiqués..");
  /* A value given as a string is never read as a text's code. */
  g_autoptr (DsnFinding) plain
      = dsn_finding_newv ("auth.dkim_fail", "result", "fail", "reason", "mime.truncated", NULL);
  g_assert_cmpstr (dsn_finding_get_message (plain, "fr"), ==, "DKIM fail : mime.truncated.");
}

static void
test_public (void)
{
  g_assert_cmpstr (dsn_catalogue_get_text ("auth.ok", "advice", "fr"), ==,
                   "Rien à corriger côté authentification.");
  g_assert_cmpstr (dsn_catalogue_get_text ("auth.spf_none", "message", NULL), ==,
                   "No SPF verdict{domain? for {domain}}: the envelope sender's domain publishes "
                   "no SPF record.");
  g_assert_null (dsn_catalogue_get_text ("auth.ok", "nothing", "en"));
  g_assert_null (dsn_catalogue_get_text ("nope.nope", "message", "en"));
  g_autofree char *s
      = dsn_catalogue_format ("auth.spf_none", "message", "fr", "domain", "a.example", NULL);
  g_assert_cmpstr (s, ==,
                   "Pas de verdict SPF pour a.example : le domaine de l'expéditeur de l'enveloppe "
                   "ne publie pas d'enregistrement SPF.");
  g_autofree char *t
      = dsn_catalogue_format ("auth.spf_none", "message", "en", "domain", NULL, NULL);
  g_assert_cmpstr (t, ==, "No SPF verdict: the envelope sender's domain publishes no SPF record.");
  g_assert_cmpstr (dsn_severity_to_string (DSN_SEVERITY_WARNING), ==, "warning");
}

/* The key file reader (keys.c) answers as GKeyFile does: every group, key,
 * string, list, integer and boolean of DATA, and the same load error. */
static void
assert_keys_like_gkeyfile (const char *data, gssize len)
{
  gsize n = len < 0 ? strlen (data) : (gsize)len;
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) kf_error = NULL;
  gboolean kf_ok = g_key_file_load_from_data (kf, data, n, G_KEY_FILE_KEEP_TRANSLATIONS, &kf_error);
  g_autoptr (GError) error = NULL;
  g_autoptr (DsnKeys) k = dsn_keys_load (data, n, &error);
  g_assert_cmpint (kf_ok, ==, k != NULL);
  if (!kf_ok) {
    g_assert_cmpstr (kf_error->message, ==, error->message);
    return;
  }
  g_auto (GStrv) groups = g_key_file_get_groups (kf, NULL);
  g_auto (GStrv) groups2 = dsn_keys_get_groups (k);
  g_assert_true (g_strv_equal ((const char *const *)groups, (const char *const *)groups2));
  for (char **g = groups; *g; g++) {
    g_auto (GStrv) keys = g_key_file_get_keys (kf, *g, NULL, NULL);
    g_auto (GStrv) keys2 = dsn_keys_get_keys (k, *g);
    g_assert_true (g_strv_equal ((const char *const *)keys, (const char *const *)keys2));
    g_assert_false (dsn_keys_has_key (k, *g, "no-such-key"));
    for (char **key = keys; *key; key++) {
      g_assert_true (dsn_keys_has_key (k, *g, *key));
      g_autofree char *s = g_key_file_get_string (kf, *g, *key, NULL);
      g_autofree char *s2 = dsn_keys_get_string (k, *g, *key);
      g_assert_cmpstr (s, ==, s2);
      gsize nl = 0, nl2 = 0;
      g_auto (GStrv) l = g_key_file_get_string_list (kf, *g, *key, &nl, NULL);
      g_auto (GStrv) l2 = dsn_keys_get_string_list (k, *g, *key, &nl2);
      g_assert_cmpint (l != NULL, ==, l2 != NULL);
      g_assert_cmpuint (nl, ==, nl2);
      if (l)
        g_assert_true (g_strv_equal ((const char *const *)l, (const char *const *)l2));
      g_autoptr (GError) e = NULL, e2 = NULL;
      gint i = g_key_file_get_integer (kf, *g, *key, &e);
      gint i2 = dsn_keys_get_integer (k, *g, *key, &e2);
      g_assert_cmpint (i, ==, i2);
      g_assert_cmpint (e != NULL, ==, e2 != NULL);
      g_assert_cmpint (g_key_file_get_boolean (kf, *g, *key, NULL), ==,
                       dsn_keys_get_boolean (k, *g, *key));
    }
  }
}

static void
test_keys (void)
{
  static const char *const cases[] = {
    "[g]\nk1=a\\bc\\.d\nk2=x\\;y;z;\nk3=a;;b\nk4= a ; b \nk5=tail  \nk6=\\s lead\\\\\n"
    "k7=a\\;b\nk8=a;b\n  k9 = v\nk10=\nk11=;\nk12=-42\nk13=12x\nk14=true\nk15=1\nk16=yes\n"
    "k17=trailing\\\nk18=99999999999\nk19 =\ttab\n# comment\n\n[h]\nk[fr]=fr\nk=en\n",
    "[g]\r\nk=crlf\r\n",
    "k=before any group\n[g]\n",
    "[g]\nk=1\n[g]\nk=2\n",
    "[g]\nk=1\nk=2\n",
    "[g]\nnot a key value\n",
    "[g]\nk x=spaced key\n",
    "[g] \nk=v",
    "[g]\nk=\xff\n",
    "[g]\nk=\xc3(\n",
    "[g]\nk=caf\xc3\xa9 cr\xc3\xa8me \xe6\x94\xb6\xe4\xbb\xb6\n# \xc3\n",
    "[g]\nk=caf\xc3\xa9 cr\xc3\xa8me \xe6\x94\xb6\xe4\xbb\xb6\n# \xc3\xa9\n",
    "# only a comment",
    "",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_keys_like_gkeyfile (cases[i], -1);
  assert_keys_like_gkeyfile ("[g]\nk=a\0b\n", 10);
  /* A group or key given twice is left to GKeyFile (rules.c then says
   * which); a plain file is read without it. */
  const char *twice[] = { "[g]\nk=1\n[g]\nk=2\n", "[g]\nk=1\nk=2\n" };
  for (gsize i = 0; i < G_N_ELEMENTS (twice); i++) {
    g_autoptr (DsnKeys) k = dsn_keys_load (twice[i], strlen (twice[i]), NULL);
    g_assert_false (dsn_keys_plain (k));
  }
  g_autoptr (DsnKeys) plain = dsn_keys_load ("[g]\nk=1\n[h]\nk=2\n", 16, NULL);
  g_assert_true (dsn_keys_plain (plain));
  /* The files the library reads. */
  const char *dirs[] = { "patterns", "catalogue" };
  for (gsize d = 0; d < G_N_ELEMENTS (dirs); d++) {
    g_autofree char *dir = g_test_build_filename (G_TEST_DIST, "..", dirs[d], NULL);
    g_autoptr (GDir) gd = g_dir_open (dir, 0, NULL);
    g_assert_nonnull (gd);
    const char *name;
    guint files = 0;
    while ((name = g_dir_read_name (gd))) {
      if (!g_str_has_suffix (name, ".rules") && !g_str_has_suffix (name, ".keys"))
        continue;
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *data = NULL;
      gsize len;
      g_assert_true (g_file_get_contents (path, &data, &len, NULL));
      assert_keys_like_gkeyfile (data, len);
      files++;
    }
    g_assert_cmpuint (files, >, 3);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/catalogue/fill", test_fill);
  g_test_add_func ("/catalogue/languages", test_languages);
  g_test_add_func ("/catalogue/findings", test_findings);
  g_test_add_func ("/catalogue/text-arguments", test_text_arguments);
  g_test_add_func ("/catalogue/public", test_public);
  g_test_add_func ("/catalogue/keys", test_keys);
  return g_test_run ();
}
