/* dsn-web's only script: the copy button of the customer's answer. The page
 * works without it; it is served from /static/ because the
 * Content-Security-Policy allows no inline script. */
'use strict';
document.addEventListener('DOMContentLoaded', function () {
  var button = document.getElementById('copy');
  var answer = document.getElementById('answer');
  if (!button || !answer)
    return;
  button.hidden = false;
  button.addEventListener('click', function () {
    var done = function () { button.textContent = button.dataset.done; };
    var select = function () {
      answer.select();
      if (document.execCommand('copy'))
        done();
    };
    if (navigator.clipboard && window.isSecureContext)
      navigator.clipboard.writeText(answer.value).then(done, select);
    else
      select();
  });
});
