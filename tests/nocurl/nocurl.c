/* A library under libcurl's soname that has none of its functions: with its
 * folder in LD_LIBRARY_PATH, mailcheck's first HTTPS fetch opens it and must
 * say so (testdata/mailcheck/mta-sts-no-libcurl) while the other checks run.
 *
 * SPDX-License-Identifier: BSD-2-Clause */
int dsn_test_not_curl;
