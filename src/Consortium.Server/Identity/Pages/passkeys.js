// Passkey ceremonies for the sign-in pages. Progressive enhancement: a form marked data-passkey stays hidden unless
// the browser has WebAuthn. Served by the server itself at /account/passkeys.js: the CSP allows no inline script.
//
// A form carries data-passkey ("create" to register, "get" to sign in) and data-options (the URL of the options).
// Both posts go through fetch rather than a form submission: the pages send Referrer-Policy: no-referrer, under
// which a submitted form's Origin header is "null", and the server checks the ceremony's origin against it.
(() => {
  'use strict';

  if (typeof window.PublicKeyCredential !== 'function' || !navigator.credentials) {
    return;
  }
  for (const hint of document.querySelectorAll('[data-passkey-unsupported]')) {
    hint.hidden = true;
  }

  const toBuffer = (base64url) => {
    const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0)).buffer;
  };
  const toBase64url = (buffer) =>
    btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

  // Browsers from 2024 on parse and serialise WebAuthn JSON themselves; the fallbacks cover older ones.
  const creationOptions = (json) =>
    PublicKeyCredential.parseCreationOptionsFromJSON
      ? PublicKeyCredential.parseCreationOptionsFromJSON(json)
      : {
          ...json,
          challenge: toBuffer(json.challenge),
          user: { ...json.user, id: toBuffer(json.user.id) },
          excludeCredentials: (json.excludeCredentials || []).map((c) => ({ ...c, id: toBuffer(c.id) })),
        };
  const requestOptions = (json) =>
    PublicKeyCredential.parseRequestOptionsFromJSON
      ? PublicKeyCredential.parseRequestOptionsFromJSON(json)
      : {
          ...json,
          challenge: toBuffer(json.challenge),
          allowCredentials: (json.allowCredentials || []).map((c) => ({ ...c, id: toBuffer(c.id) })),
        };
  const credentialJson = (credential) => {
    if (typeof credential.toJSON === 'function') {
      return credential.toJSON();
    }
    const r = credential.response;
    const response = { clientDataJSON: toBase64url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toBase64url(r.attestationObject);
      response.transports = typeof r.getTransports === 'function' ? r.getTransports() : [];
    } else {
      response.authenticatorData = toBase64url(r.authenticatorData);
      response.signature = toBase64url(r.signature);
      if (r.userHandle) {
        response.userHandle = toBase64url(r.userHandle);
      }
    }
    return {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment,
      response,
      clientExtensionResults: credential.getClientExtensionResults(),
    };
  };

  // Posts the form's fields (the antiforgery token among them) and returns the JSON answer, or throws its error.
  const post = async (url, form) => {
    const response = await fetch(url, {
      method: 'POST',
      body: new URLSearchParams(new FormData(form)),
      headers: { Accept: 'application/json' },
      credentials: 'same-origin',
    });
    const body = await response.json().catch(() => null);
    if (!response.ok || !body) {
      throw new Error((body && body.error) || 'The server did not answer. Try again.');
    }
    return body;
  };

  for (const form of document.querySelectorAll('form[data-passkey]')) {
    const creating = form.dataset.passkey === 'create';
    const error = form.querySelector('[data-passkey-error]');
    const button = form.querySelector('button[type="submit"]');
    form.hidden = false;
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.hidden = true;
      button.disabled = true;
      try {
        const options = await post(form.dataset.options, form);
        let credential;
        try {
          credential = creating
            ? await navigator.credentials.create({ publicKey: creationOptions(options) })
            : await navigator.credentials.get({ publicKey: requestOptions(options) });
        } catch {
          // Cancelled, timed out, or no passkey for this site on this device: the browser does not say which.
          credential = null;
        }
        if (!credential) {
          throw new Error(creating ? 'No passkey was created.' : 'No passkey was used. Try again, or sign in with your password.');
        }
        form.elements.namedItem('Credential').value = JSON.stringify(credentialJson(credential));
        const result = await post(form.action, form);
        window.location.assign(result.redirect);
      } catch (failure) {
        error.textContent = failure.message;
        error.hidden = false;
        button.disabled = false;
      }
    });
  }
})();
