/* Unit tests for the mail record parsers (libdsn/records.c): tag lists,
 * DMARC, DKIM keys, MTA-STS, TLS-RPT, BIMI.
 * SPDX-License-Identifier: BSD-2-Clause */
#include "dns/dns.h"

#include <string.h>

/* TRUE if ISSUES holds CODE. */
static gboolean
has (GPtrArray *issues, const char *code)
{
  for (guint i = 0; i < issues->len; i++)
    if (!strcmp (((DsnIssue *)issues->pdata[i])->code, code))
      return TRUE;
  return FALSE;
}

static void
test_taglist (void)
{
  DsnFinding *error = NULL;
  g_autoptr (GPtrArray) t
      = dsn_taglist_parse (" v = DMARC1 ;p=reject;; rua = mailto:a@b.example ; ", &error);
  g_assert_nonnull (t);
  g_assert_cmpuint (t->len, ==, 3);
  g_assert_cmpstr (dsn_taglist_get (t, "v"), ==, "DMARC1");
  g_assert_cmpstr (dsn_taglist_get (t, "rua"), ==, "mailto:a@b.example");
  g_assert_null (dsn_taglist_parse ("p=none; p=reject", &error));
  g_assert_cmpstr (dsn_finding_get_code (error), ==, "taglist.twice");
  g_assert_cmpstr (dsn_finding_get_message (error, "en"), ==, "the tag \"p\" appears twice");
  g_clear_pointer (&error, dsn_finding_free);
  g_assert_null (dsn_taglist_parse ("v=DMARC1; nonsense", &error));
  g_assert_cmpstr (dsn_finding_get_code (error), ==, "taglist.not_pair");
  g_clear_pointer (&error, dsn_finding_free);
  g_assert_null (dsn_taglist_parse ("1x=y", &error));
  g_assert_cmpstr (dsn_finding_get_code (error), ==, "taglist.bad_name");
  dsn_finding_free (error);
}

static void
test_dmarc (void)
{
  DsnDmarcRecord *r = dsn_dmarc_parse (
      "v=DMARC1; p=Reject; sp=none; pct=50; rua=mailto:d@example.org!10m,https://r.example; "
      "ruf=mailto:bad; np=reject; foo=1; adkim=x");
  g_assert_true (r->valid);
  g_assert_cmpstr (r->p, ==, "reject");
  g_assert_cmpstr (r->sp, ==, "none");
  g_assert_cmpint (r->pct, ==, 50);
  g_assert_cmpuint (r->rua->len, ==, 2);
  DsnReportUri *u = r->rua->pdata[0];
  g_assert_cmpstr (u->address, ==, "d@example.org");
  g_assert_cmpstr (u->domain, ==, "example.org");
  g_assert_true (has (r->issues, "dmarc.uri_not_mailto"));
  g_assert_true (has (r->issues, "dmarc.bad_uri"));
  g_assert_true (has (r->issues, "dmarc.unknown_tag"));
  g_assert_true (has (r->issues, "dmarc.bad_value")); /* adkim=x */
  g_assert_true (has (r->issues, "dmarc.compat_new_tags"));
  g_assert_true (has (r->issues, "dmarc.compat_removed_tags"));
  dsn_dmarc_record_free (r);

  r = dsn_dmarc_parse ("p=reject; v=DMARC1");
  g_assert_false (r->valid);
  g_assert_true (has (r->issues, "dmarc.syntax"));
  dsn_dmarc_record_free (r);
  r = dsn_dmarc_parse ("v=DMARC1; rua=mailto:d@example.org");
  g_assert_true (r->valid);
  g_assert_true (has (r->issues, "dmarc.no_policy"));
  dsn_dmarc_record_free (r);
  r = dsn_dmarc_parse ("v=DMARC1; p=block");
  g_assert_true (has (r->issues, "dmarc.bad_policy"));
  dsn_dmarc_record_free (r);
  g_assert_cmpint (dsn_dmarc_policy_rank ("quarantine"), ==, 1);
  g_assert_cmpint (dsn_dmarc_policy_rank (NULL), ==, -1);
}

/* The code of the reason ("detail") of the first issue. */
static const char *
reason_of (GPtrArray *issues)
{
  const DsnIssue *is = issues->len ? issues->pdata[0] : NULL;
  for (guint i = 0; is && i + 1 < is->args->len; i += 2)
    if (!strcmp (is->args->pdata[i], "detail@"))
      return is->args->pdata[i + 1];
  return NULL;
}

static void
test_dkim (void)
{
  DsnDkimKey *k = dsn_dkim_parse (
      "v=DKIM1; k=rsa; "
      "p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA4r8NRbW3t/"
      "RqKjywx0q+2gDnqbb5qss14YEv3Tx6e+drCvlLkyZhT8mK "
      "RyQ8orqBneHS/"
      "Rxy9JUnaqxzXrBQzHe89251w4VxIkd67CH8gnUVDgNCCfSHNiC35rUoKJCD5DvUqVyOb1KmT7Vx47ObOy83fTM2QxekY"
      "gdn5bxsnxwFteEDmXRuOehxxbDqRmMGWmkpQAuu+z2LfNBCC4qpi9N0tZSwUVyDG9T1dA3sXF5OubPP+"
      "5PfyRaOAlsGvq/9Lom4EH0E/1y5f+8dLw27+/2Wg+uc0D3x6k3HkL3ro9e9jTbf54mTJwV2xP5SSW+7/"
      "yzSt9z4nI9zOQurPP1RKQIDAQAB");
  g_assert_cmpuint (k->issues->len, ==, 0);
  g_assert_cmpuint (k->key_bits, ==, 2048);
  dsn_dkim_key_free (k);
  k = dsn_dkim_parse (
      "v=DKIM1; t=y; h=sha1; s=email; "
      "p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC2h/"
      "Jevde+"
      "LvJl9kZatSJnvhElQaT2RsRpFIfSA7gh7P1frRx0xbnzOMYTgMuIDhwl1gh8uxNlKGw3szG1kiLp5237jCqztqt7rx5k"
      "Fh1xxfpWIlyvAs2xYGwmbkHCPByUG1JIw4yBfrj2G9CT5uZX2ZzjBxV7vf56ada+GOqfqQIDAQAB");
  g_assert_cmpuint (k->key_bits, ==, 1024);
  g_assert_true (k->testing);
  g_assert_true (has (k->issues, "dkim.short_key"));
  g_assert_true (has (k->issues, "dkim.sha1_only"));
  g_assert_true (has (k->issues, "dkim.testing"));
  dsn_dkim_key_free (k);
  k = dsn_dkim_parse ("v=DKIM1; p=");
  g_assert_true (k->revoked);
  dsn_dkim_key_free (k);
  k = dsn_dkim_parse ("v=DKIM1; p=not*base64");
  g_assert_true (has (k->issues, "dkim.bad_key"));
  dsn_dkim_key_free (k);
  k = dsn_dkim_parse ("v=DKIM1; k=ed25519; p=cWWNpSIBUlVgx3M/TRBIm5fEpWqYyKFZwlrjsDIktfI=");
  g_assert_cmpuint (k->issues->len, ==, 0);
  g_assert_cmpuint (k->key_bits, ==, 256);
  dsn_dkim_key_free (k);
  /* Valid base64 that is no key, another type of key, the Ed25519 key
   * wrapped as a SubjectPublicKeyInfo: each said as such. */
  k = dsn_dkim_parse ("v=DKIM1; k=rsa; p=dGhpcyBpcyBub3QgYSBrZXksIG9ubHkgd29yZHM=");
  g_assert_cmpstr (reason_of (k->issues), ==, "record.dkim_not_a_key");
  dsn_dkim_key_free (k);
  k = dsn_dkim_parse ("v=DKIM1; p=MCowBQYDK2VwAyEAcWWNpSIBUlVgx3M/TRBIm5fEpWqYyKFZwlrjsDIktfI=");
  g_assert_cmpstr (reason_of (k->issues), ==, "record.dkim_other_key");
  dsn_dkim_key_free (k);
  k = dsn_dkim_parse (
      "v=DKIM1; k=ed25519; p=MCowBQYDK2VwAyEAcWWNpSIBUlVgx3M/TRBIm5fEpWqYyKFZwlrjsDIktfI=");
  g_assert_cmpstr (reason_of (k->issues), ==, "record.dkim_ed25519_spki");
  dsn_dkim_key_free (k);
  k = dsn_dkim_parse ("v=DKIM1; k=ed25519; p=AAAA");
  g_assert_cmpstr (reason_of (k->issues), ==, "record.dkim_ed25519_size");
  dsn_dkim_key_free (k);
  k = dsn_dkim_parse ("k=dsa; p=AAAA");
  g_assert_true (has (k->issues, "dkim.unknown_key_type"));
  dsn_dkim_key_free (k);
  k = dsn_dkim_parse ("p=AAAA; v=DKIM1");
  g_assert_true (has (k->issues, "dkim.syntax"));
  dsn_dkim_key_free (k);
  k = dsn_dkim_parse (
      "v=DKIM1; s=tlsrpt; "
      "p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA4r8NRbW3t/"
      "RqKjywx0q+2gDnqbb5qss14YEv3Tx6e+drCvlLkyZhT8mKRyQ8orqBneHS/"
      "Rxy9JUnaqxzXrBQzHe89251w4VxIkd67CH8gnUVDgNCCfSHNiC35rUoKJCD5DvUqVyOb1KmT7Vx47ObOy83fTM2QxekY"
      "gdn5bxsnxwFteEDmXRuOehxxbDqRmMGWmkpQAuu+z2LfNBCC4qpi9N0tZSwUVyDG9T1dA3sXF5OubPP+"
      "5PfyRaOAlsGvq/9Lom4EH0E/1y5f+8dLw27+/2Wg+uc0D3x6k3HkL3ro9e9jTbf54mTJwV2xP5SSW+7/"
      "yzSt9z4nI9zOQurPP1RKQIDAQAB");
  g_assert_true (has (k->issues, "dkim.not_email"));
  dsn_dkim_key_free (k);
  /* Garbage DER never reads out of bounds. */
  static const guint8 junk[] = { 0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x02, 0x01 };
  for (gsize n = 0; n <= sizeof junk; n++)
    g_assert_cmpuint (dsn_rsa_key_bits (junk, n), ==, 0);
}

static void
test_mta_sts (void)
{
  DsnStsRecord *r = dsn_sts_record_parse ("v=STSv1; id=20240101000000;");
  g_assert_cmpuint (r->issues->len, ==, 0);
  g_assert_cmpstr (r->id, ==, "20240101000000");
  dsn_sts_record_free (r);
  r = dsn_sts_record_parse ("v=STSv1; id=2024-01");
  g_assert_true (has (r->issues, "mta_sts.txt_syntax"));
  dsn_sts_record_free (r);

  const char *text = "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: "
                     "*.example.net\r\nmax_age: 604800\r\n";
  DsnStsPolicy *p = dsn_sts_policy_parse (text, strlen (text));
  g_assert_cmpuint (p->issues->len, ==, 0);
  g_assert_cmpstr (p->mode, ==, "enforce");
  g_assert_cmpuint (p->mx->len, ==, 2);
  g_assert_cmpint (p->max_age, ==, 604800);
  dsn_sts_policy_free (p);
  text = "version: STSv1\nmode: sometimes\nmax_age: 99999999999\n";
  p = dsn_sts_policy_parse (text, strlen (text));
  g_assert_cmpuint (p->issues->len, ==, 3); /* mode, max_age, no mx */
  dsn_sts_policy_free (p);
  /* A key given twice (but mx:) is an error, not the first one silently. */
  text = "version: STSv1\nmode: testing\nmode: enforce\nmx: a.example\nmx: b.example\n"
         "max_age: 86400\nmax_age: 604800\n";
  p = dsn_sts_policy_parse (text, strlen (text));
  g_assert_cmpuint (p->issues->len, ==, 2);
  g_assert_true (has (p->issues, "mta_sts.policy_syntax"));
  g_assert_cmpstr (p->mode, ==, "testing");
  g_assert_cmpuint (p->mx->len, ==, 2);
  dsn_sts_policy_free (p);

  /* RFC 8461 §4.1: a wildcard matches exactly one label. */
  g_assert_true (dsn_sts_mx_match ("mail.example.com", "MAIL.example.com."));
  g_assert_true (dsn_sts_mx_match ("*.example.net", "mx1.example.net"));
  g_assert_false (dsn_sts_mx_match ("*.example.net", "example.net"));
  g_assert_false (dsn_sts_mx_match ("*.example.net", "a.b.example.net"));
  g_assert_false (dsn_sts_mx_match ("*.example.net", "mx1.example.net.evil.test"));
  g_assert_false (dsn_sts_mx_match ("mail.example.com", "mail.example.com.evil.test"));
}

static void
test_tlsrpt_bimi (void)
{
  DsnTlsRptRecord *t
      = dsn_tlsrpt_parse ("v=TLSRPTv1; rua=mailto:tls@example.org,https://r.example.org/v1");
  g_assert_cmpuint (t->issues->len, ==, 0);
  g_assert_cmpuint (t->rua->len, ==, 2);
  dsn_tlsrpt_record_free (t);
  t = dsn_tlsrpt_parse ("v=TLSRPTv1; rua=ftp://r.example.org");
  g_assert_true (has (t->issues, "tls_rpt.bad_uri"));
  dsn_tlsrpt_record_free (t);
  t = dsn_tlsrpt_parse ("v=TLSRPTv1");
  g_assert_true (has (t->issues, "tls_rpt.syntax"));
  dsn_tlsrpt_record_free (t);

  DsnBimiRecord *b
      = dsn_bimi_parse ("v=BIMI1; l=https://example.org/logo.svg; a=https://example.org/vmc.pem");
  g_assert_cmpuint (b->issues->len, ==, 0);
  dsn_bimi_record_free (b);
  b = dsn_bimi_parse ("v=BIMI1; l=http://example.org/logo.png");
  g_assert_true (has (b->issues, "bimi.logo_not_https"));
  g_assert_true (has (b->issues, "bimi.logo_not_svg"));
  g_assert_true (has (b->issues, "bimi.no_vmc"));
  dsn_bimi_record_free (b);
  b = dsn_bimi_parse ("v=BIMI1; l=; a=;");
  g_assert_true (b->declined);
  dsn_bimi_record_free (b);
}

/* The first certificate of a PEM file of testdata/dns/tls, as DER. */
static GBytes *
test_cert (const char *name)
{
  g_autofree char *path
      = g_test_build_filename (G_TEST_DIST, "..", "testdata", "dns", "tls", name, NULL);
  g_autofree char *pem = NULL;
  g_assert_true (g_file_get_contents (path, &pem, NULL, NULL));
  char *start = strstr (pem, "-----BEGIN CERTIFICATE-----");
  g_assert_nonnull (start);
  start = strchr (start, '\n') + 1;
  *strstr (start, "-----END") = '\0';
  gsize len;
  guint8 *der = g_base64_decode (start, &len);
  return g_bytes_new_take (der, len);
}

static GBytes *
unhex (const char *hex)
{
  gsize n = strlen (hex) / 2;
  guint8 *b = g_malloc (n);
  for (gsize i = 0; i < n; i++)
    b[i] = (guint8)(g_ascii_xdigit_value (hex[2 * i]) * 16 + g_ascii_xdigit_value (hex[2 * i + 1]));
  return g_bytes_new_take (b, n);
}

static GBytes *
digest (GChecksumType type, GBytes *data)
{
  g_autoptr (GChecksum) sum = g_checksum_new (type);
  g_checksum_update (sum, g_bytes_get_data (data, NULL), (gssize)g_bytes_get_size (data));
  return unhex (g_checksum_get_string (sum));
}

static void
test_tlsa (void)
{
  /* What make-certs.sh printed with openssl for good.key and ca.key. */
  g_autoptr (GBytes) good_spki
      = unhex ("6524806a0cedc8a34d207363e7668bf079fd35f72c90345a7639e30732b4cce3");
  g_autoptr (GBytes) ca_spki
      = unhex ("813585b5b05538f942e837e386d54e9f456cbb1aceceebdd0831c89dd6a3bb25");
  g_autoptr (GBytes) good = test_cert ("good.pem");
  g_autoptr (GBytes) ca = test_cert ("ca.pem");
  g_autoptr (GBytes) spki = dsn_x509_spki (good);
  g_assert_nonnull (spki);
  g_autoptr (GBytes) spki_sha256 = digest (G_CHECKSUM_SHA256, spki);
  g_assert_true (g_bytes_equal (spki_sha256, good_spki));

  g_assert_true (dsn_tlsa_match (1, 1, good_spki, good));
  g_assert_false (dsn_tlsa_match (1, 1, ca_spki, good));
  g_assert_true (dsn_tlsa_match (1, 1, ca_spki, ca));
  g_assert_true (dsn_tlsa_match (1, 0, spki, good));
  g_autoptr (GBytes) spki_sha512 = digest (G_CHECKSUM_SHA512, spki);
  g_assert_true (dsn_tlsa_match (1, 2, spki_sha512, good));
  g_autoptr (GBytes) cert_sha256 = digest (G_CHECKSUM_SHA256, good);
  g_assert_true (dsn_tlsa_match (0, 1, cert_sha256, good));
  g_assert_false (dsn_tlsa_match (0, 1, good_spki, good));
  g_assert_true (dsn_tlsa_match (0, 0, good, good));
  g_assert_false (dsn_tlsa_match (1, 3, good_spki, good));

  /* Not a certificate. */
  g_autoptr (GBytes) junk = g_bytes_new_static ("\x30\x03\x02\x01\x01", 5);
  g_assert_null (dsn_x509_spki (junk));
  g_assert_false (dsn_tlsa_match (1, 1, good_spki, junk));

  /* Usable for SMTP (RFC 7672 §3.1.3): DANE-TA and DANE-EE, known
   * selector and matching type, digests of the right size. */
  g_assert_true (dsn_tlsa_usable (3, 1, 1, 32));
  g_assert_true (dsn_tlsa_usable (2, 0, 2, 64));
  g_assert_true (dsn_tlsa_usable (3, 1, 0, 294));
  g_assert_false (dsn_tlsa_usable (1, 1, 1, 32));
  g_assert_false (dsn_tlsa_usable (0, 0, 1, 32));
  g_assert_false (dsn_tlsa_usable (3, 2, 1, 32));
  g_assert_false (dsn_tlsa_usable (3, 1, 1, 31));
  g_assert_false (dsn_tlsa_usable (3, 1, 3, 32));
  g_assert_false (dsn_tlsa_usable (3, 1, 0, 0));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/records/taglist", test_taglist);
  g_test_add_func ("/records/dmarc", test_dmarc);
  g_test_add_func ("/records/dkim", test_dkim);
  g_test_add_func ("/records/mta-sts", test_mta_sts);
  g_test_add_func ("/records/tlsrpt-bimi", test_tlsrpt_bimi);
  g_test_add_func ("/records/tlsa", test_tlsa);
  return g_test_run ();
}
