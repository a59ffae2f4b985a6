/* The weights component: receives one model's packed decoder as bytes (its data never changes for
   that model, so Streamlit mounts it once) and puts a VaeDecoder into the registry. Draws nothing. */
export default function ({ data, parentElement }) {
  if (!(data instanceof Uint8Array)) return;
  let header;
  try {
    const parsed = vaeParsePacked(data);
    header = parsed.header;
    if (!vaeLive.has(header.id)) vaeLive.put(header.id, new VaeDecoder(header, parsed.weights));
  } catch (error) {
    // The views then keep waiting and show their note; Python already checked the export.
    console.error("live decoder:", error);
    return;
  }
  const host = parentElement.host ?? parentElement;
  host.dataset.model = header.id;  // lets tests see which model a page loaded
}
