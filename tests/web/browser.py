#!/usr/bin/env python3
"""dsn-web's page in a real browser: Debian's headless chromium, driven
through chromedriver's WebDriver HTTP API with nothing but python3's
http.client. A bounce is pasted and explained, the verdict read from the
DOM, the copy button (the page's one script, allowed by the
Content-Security-Policy) tried, the language switched to French, a file
chosen with the picker; a bounce carrying <script> and onerror= is shown as
text and runs nothing. Screenshots are left in OUT_DIR as artifacts.
Skips when chromium or chromedriver is missing. Prints TAP.

usage: browser.py DSN_WEB DSN_EXPLAIN SOURCE_DIR OUT_DIR"""
import base64
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from webtest import Server, Tap, dsn_explain, xss_bounce  # noqa: E402

ELEMENT = 'element-6066-11e4-a52e-4f735466cecf'


def find(names, extra=()):
    for n in names:
        p = shutil.which(n)
        if p:
            return p
    for p in extra:
        if os.access(p, os.X_OK):
            return p
    return None


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


class WebDriverError(Exception):
    pass


class Browser:
    """A chromedriver process and one session of headless chromium."""

    def __init__(self, driver, chromium, profile):
        self.port = free_port()
        self.proc = subprocess.Popen([driver, f'--port={self.port}'], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while True:
            try:
                if self.call('GET', '/status')['ready']:
                    break
            except (OSError, WebDriverError):
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.proc.kill()
                raise WebDriverError('chromedriver did not start')
            time.sleep(0.1)
        args = ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run',
                '--disable-background-networking', '--disable-component-update', '--disable-sync',
                '--disable-dev-shm-usage', '--disable-extensions', '--lang=en-US',
                '--window-size=1200,1500', f'--user-data-dir={profile}']
        caps = {'browserName': 'chrome', 'unhandledPromptBehavior': 'ignore',
                'goog:loggingPrefs': {'browser': 'ALL'},
                'goog:chromeOptions': {'binary': chromium, 'args': args}}
        self.sid = self.call('POST', '/session', {'capabilities': {'alwaysMatch': caps}})['sessionId']

    def call(self, method, path, body=None):
        conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=60)
        try:
            data = json.dumps(body).encode() if body is not None else None
            conn.request(method, path, data, {'Content-Type': 'application/json'} if data else {})
            r = conn.getresponse()
            reply = json.loads(r.read() or b'{}')
        finally:
            conn.close()
        value = reply.get('value')
        if r.status != 200:
            raise WebDriverError(value.get('error') if isinstance(value, dict) else str(value))
        return value

    def s(self, method, path, body=None):
        return self.call(method, f'/session/{self.sid}{path}', body)

    def go(self, url):
        self.s('POST', '/url', {'url': url})

    def js(self, script, *args):
        return self.s('POST', '/execute/sync', {'script': script, 'args': list(args)})

    def el(self, css):
        return self.s('POST', '/element', {'using': 'css selector', 'value': css})[ELEMENT]

    def text(self, css):
        return self.s('GET', f'/element/{self.el(css)}/text')

    def click(self, css):
        self.s('POST', f'/element/{self.el(css)}/click', {})

    def paste(self, css, text):
        """Puts TEXT into the field as a paste does: focus, then the text
        inserted at once (input events included)."""
        self.click(css)
        self.s('POST', '/goog/cdp/execute', {'cmd': 'Input.insertText', 'params': {'text': text}})

    def wait_for(self, script, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.js(script):
                    return True
            except WebDriverError:
                pass  # the page is being replaced
            time.sleep(0.05)
        return False

    def submit_and_wait(self, css):
        """Clicks CSS, which sends the form, and waits for the new page."""
        self.js('window.__old_page = true;')
        self.click(css)
        return self.wait_for('return !window.__old_page && document.readyState === "complete";')

    def alert(self):
        try:
            return self.s('GET', '/alert/text')
        except WebDriverError:
            return None

    def screenshot(self, path):
        png = base64.b64decode(self.s('GET', '/screenshot'))
        with open(path, 'wb') as f:
            f.write(png)
        return png

    def console(self):
        try:
            return self.s('POST', '/se/log', {'type': 'browser'})
        except WebDriverError:
            return []

    def close(self):
        try:
            self.s('DELETE', '')
        except (OSError, WebDriverError):
            pass
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def main():
    web, explain, src = (os.path.abspath(a) for a in sys.argv[1:4])
    out_dir = sys.argv[4]
    chromium = find(['chromium', 'chromium-browser'], ['/usr/lib/chromium/chromium'])
    driver = find(['chromedriver'], ['/usr/lib/chromium/chromedriver'])
    if not chromium or not driver:
        print('1..0 # SKIP chromium or chromedriver is not installed (Debian: chromium chromium-driver)')
        return 0
    quota_path = os.path.join(src, 'testdata', 'bounces', 'seed-quota.eml')
    quota = open(quota_path, 'rb').read()
    expect = {lang: json.loads(dsn_explain(explain, quota, '--lang', lang)) for lang in ('en', 'fr')}
    t = Tap()
    profile = tempfile.mkdtemp(prefix='dsn-web-chromium-')
    browser = None
    try:
        with Server(web) as s:
            try:
                browser = Browser(driver, chromium, profile)
            except WebDriverError as e:
                print(f'1..0 # SKIP the browser could not be started: {e}')
                return 0
            b = browser
            b.go(s.url('/'))
            t.ok(b.js('return document.title;') == 'Why did this email bounce?', 'the page opens')
            color = b.js('return getComputedStyle(document.querySelector("h1")).color;')
            t.ok(color == 'rgb(31, 78, 121)', 'its style sheet applies', color)

            b.paste('#message', quota.decode())
            t.ok(b.submit_and_wait('#submit'), 'a pasted bounce is sent')
            rec = expect['en']['recipients'][0]
            t.ok(b.text('#verdict .recipient h3') == rec['summary'],
                 'the verdict is in the DOM: the summary', b.text('#verdict .recipient h3'))
            got = b.js('var r = document.querySelector("#verdict .recipient");'
                       'return [r.dataset.reason, r.dataset.category, r.querySelector("blockquote.said").textContent];')
            t.ok(got == [rec['reason'], rec['category'], rec['diagnostic']],
                 'reason, category and the server\'s words', got)
            t.ok(rec['advice'] in b.text('#verdict'), 'what to do')
            t.ok(rec['advice'] in b.js('return document.getElementById("answer").value;'),
                 'the answer for the customer holds the advice')
            t.ok(b.js('return !document.getElementById("copy").hidden;'),
                 'the page\'s script runs under its Content-Security-Policy (copy button shown)')
            b.click('#copy')
            t.ok(b.wait_for('return document.getElementById("copy").textContent === "Copied";', 5),
                 'the copy button copies', b.text('#copy'))
            b.screenshot(os.path.join(out_dir, 'dsn-web-en.png'))

            t.ok(b.submit_and_wait('nav.languages button[value="fr"]'), 'the language switch sends the form again')
            rec_fr = expect['fr']['recipients'][0]
            t.ok(b.js('return document.documentElement.lang;') == 'fr'
                 and b.text('#verdict .recipient h3') == rec_fr['summary']
                 and rec_fr['advice'] in b.text('#verdict'),
                 'switched to French: the verdict in French', b.text('#verdict .recipient h3'))
            t.ok(b.js('return document.getElementById("message").value;').replace('\r\n', '\n')
                 == quota.decode().replace('\r\n', '\n'), 'the bounce is still in the form')
            png = b.screenshot(os.path.join(out_dir, 'dsn-web-fr.png'))
            t.ok(png.startswith(b'\x89PNG') and len(png) > 10000,
                 f'screenshot saved: {os.path.join(out_dir, "dsn-web-fr.png")}')
            csp = [e['message'] for e in b.console() if 'Content Security Policy' in e.get('message', '')]
            t.ok(not csp, 'the page itself breaks nothing of its policy', csp)

            b.go(s.url('/'))
            unknown = os.path.join(src, 'testdata', 'bounces', 'seed-user-unknown.eml')
            b.s('POST', f'/element/{b.el("#file")}/value', {'text': unknown})
            t.ok(b.submit_and_wait('#submit'), 'a file chosen with the picker is sent')
            want = json.loads(dsn_explain(explain, open(unknown, 'rb').read(), '--lang', 'en'))
            t.ok(b.js('return document.querySelector("#verdict .recipient").dataset.category;')
                 == want['recipients'][0]['category'], 'the file is explained')

            # Hostile text: shown, never run.
            b.go(s.url('/'))
            b.js('window.pwned = undefined;')
            b.paste('#message', xss_bounce().decode())
            t.ok(b.submit_and_wait('#submit'), 'a bounce carrying markup is sent')
            time.sleep(0.3)  # what an injected handler would need to fire
            t.ok(b.alert() is None, 'no dialog opened (no alert ran)', b.alert())
            state = b.js('return {pwned: window.pwned === undefined ? null : window.pwned,'
                         ' scripts: Array.from(document.scripts).map(s => s.getAttribute("src")),'
                         ' images: document.images.length,'
                         ' said: document.querySelector("#verdict blockquote.said").textContent,'
                         ' recipient: document.querySelector("#verdict dl.facts dd").textContent,'
                         ' message: document.getElementById("message").value};')
            t.ok(state['pwned'] is None and state['scripts'] == ['/static/dsn-web.js'] and state['images'] == 0,
                 'no script but the page\'s own, no image, nothing set by the message', state)
            t.ok('<script>alert(1)</script>' in state['said']
                 and '"><img src=x onerror="window.pwned=1;alert(2)">' in state['said'],
                 'the server\'s words are shown as text, markup and all', state['said'])
            t.ok('<img src=x onerror=alert(3)>' in state['recipient'], 'the recipient too', state['recipient'])
            t.ok('</textarea><script>alert(4)</script>' in state['message'],
                 'the form holds the message as it was sent')
            b.screenshot(os.path.join(out_dir, 'dsn-web-hostile.png'))
    finally:
        if browser:
            browser.close()
        shutil.rmtree(profile, ignore_errors=True)
    return t.done()


if __name__ == '__main__':
    sys.exit(main())
