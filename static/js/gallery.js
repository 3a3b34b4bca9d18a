// The product page's gallery (templates/catalog/product_gallery.html): a thumbnail shows its
// picture in place of the main one. Without this script the thumbnails still work: they link to
// their pictures (#picture-N) and the CSS shows the one linked to (:target), scrolling to it.
for (const gallery of document.querySelectorAll("[data-gallery]")) {
  const slides = Array.from(gallery.querySelectorAll(".gallery-slide"));
  const links = Array.from(gallery.querySelectorAll(".gallery-thumbnails a"));
  const show = (id) => {
    for (const slide of slides) {
      slide.classList.toggle("is-current", slide.id === id);
    }
    for (const link of links) {
      if (link.hash === `#${id}`) {
        link.setAttribute("aria-current", "true");
      } else {
        link.removeAttribute("aria-current");
      }
    }
  };
  gallery.classList.add("gallery-enhanced");
  for (const link of links) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      show(link.hash.slice(1));
      history.replaceState(history.state, "", link.hash); // a shareable URL, without the jump
    });
  }
  const linked = slides.find((slide) => `#${slide.id}` === window.location.hash);
  if (linked) {
    show(linked.id);
  }
}
