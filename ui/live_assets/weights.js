/* The weights component (a bundle that boot.js imports): its data names one model's packed decoder,
   {id, url} (a media file of this session, ui/live.py), which it fetches once per page and model and puts
   into the registry as a VaeDecoder. Its data never changes for that model, so Streamlit mounts it once.
   Draws nothing. */
export default function ({ data, parentElement }) {
  if (!data || typeof data.id !== "string" || typeof data.url !== "string") return;
  const host = parentElement.host ?? parentElement;
  const shown = () => { host.dataset.model = data.id; };  // lets tests see which model a page loaded
  if (vaeLive.has(data.id)) { shown(); return; }
  if (vaeLive.fetching.has(data.id)) { vaeLive.get(data.id).then(shown); return; }
  vaeLive.fetching.add(data.id);
  fetch(vaeLive.url(data.url))
    .then((response) => {
      if (!response.ok) throw new Error(`HTTP ${response.status} for ${data.url}`);
      return response.arrayBuffer();
    })
    .then((buffer) => {
      const { header, weights } = vaeParsePacked(new Uint8Array(buffer));
      if (header.id !== data.id) throw new Error(`the weights at ${data.url} are model ${header.id}, not ${data.id}`);
      vaeLive.put(header.id, new VaeDecoder(header, weights));
      shown();
    })
    .catch((error) => {
      // The views then keep waiting and show their note; Python already checked the export.
      console.error("live decoder:", error);
    })
    .finally(() => vaeLive.fetching.delete(data.id));
}
