() => {
  // A click on a clause link (href "#clause=…") anywhere on the page sends its target to the hidden request
  // box and opens the clause: beside the tabs on a wide screen, in a sheet over the page on a phone.
  // The open state is an attribute of the panel's column (page.css shows it as a sheet on a phone): Gradio
  // scopes the page's CSS to its container, so a class on <body> would not reach the rules.
  const column = () => document.querySelector("#clause-column");
  const close = () => column()?.removeAttribute("data-open");
  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (target && target.closest("#clause-close")) {
      close();
      return;
    }
    const link = target ? target.closest('a[href^="#clause="]') : null;
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const box = document.querySelector("#clause-request textarea");
    const open = document.querySelector("#clause-open");
    if (!box || !open) return;
    box.value = link.getAttribute("href") + " " + Date.now();
    box.dispatchEvent(new Event("input", { bubbles: true }));
    open.click();
    column()?.setAttribute("data-open", "");
    const panel = document.querySelector("#clause-panel");
    if (panel) panel.scrollTop = 0;
  }, true);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") close();
  });
}
