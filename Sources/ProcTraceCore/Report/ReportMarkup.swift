/// The page's fixed skeleton; the script fills it from the data.
enum ReportMarkup {
    static let body = #"""
<header id="top">
  <h1>proctrace report <span id="subtitle"></span></h1>
  <p id="meta"></p>
  <div id="summary" aria-label="Summary"><p id="loading">Loading the recording…</p></div>
</header>
<nav id="toolbar">
  <form id="find-form" role="search">
    <input id="find" type="search" placeholder="Find: pid, name, argument, file" aria-label="Find" autocomplete="off">
    <button type="submit" id="find-next">Find</button>
    <button type="button" id="find-prev" title="Previous match">◀</button>
    <span id="find-status" aria-live="polite"></span>
  </form>
  <fieldset id="outcomes"><legend>Show</legend></fieldset>
  <span id="zoom">
    <button type="button" id="zoom-out" title="Zoom out (Ctrl+wheel)">−</button>
    <button type="button" id="zoom-in" title="Zoom in (Ctrl+wheel)">+</button>
    <button type="button" id="zoom-fit" title="Whole recording">Fit</button>
    <button type="button" id="expand-all" title="Expand every process">Expand all</button>
    <button type="button" id="collapse-all" title="Collapse every process">Collapse all</button>
  </span>
</nav>
<main id="main">
  <section id="timeline" aria-label="Process timeline">
    <div id="axis"><div id="axis-label">process</div><div id="axis-track"></div></div>
    <div id="viewport" role="tree"><div id="spacer"></div><div id="rows"></div><div id="overlay"></div></div>
  </section>
  <aside id="details" aria-label="Details"><p class="hint">Click a process for every field of its records.
    Drag the timeline to pan, Ctrl+wheel (or wheel over the axis) to zoom.</p></aside>
</main>

"""#
}
