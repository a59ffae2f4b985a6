// "Copy link": the address bar's URL (the view on screen, see ui/url_state.py) onto the clipboard.
// navigator.clipboard needs a secure origin; a classroom server on a LAN address is plain http, so fall
// back to a selected textarea and execCommand, and as a last resort show the link to copy by hand.
function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    return navigator.clipboard.writeText(text).then(() => true, () => legacyCopy(text));
  }
  return Promise.resolve(legacyCopy(text));
}

function legacyCopy(text) {
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  let copied = false;
  try {
    copied = document.execCommand("copy");
  } catch (error) {
    copied = false;
  }
  area.remove();
  return copied;
}

export default function ({ data, parentElement }) {
  let button = parentElement.querySelector("button.vae-copy-link");
  if (!button) {
    button = document.createElement("button");
    button.className = "vae-copy-link";
    button.type = "button";
    parentElement.appendChild(button);
  }
  button.textContent = data.label;
  button.onclick = () => {
    const link = window.location.href;
    copyText(link).then((copied) => {
      if (!copied) {
        window.prompt(data.label, link);
        return;
      }
      button.textContent = "✓ " + data.done;
      button.dataset.copied = link;
      setTimeout(() => { button.textContent = data.label; }, 2000);
    });
  };
}
