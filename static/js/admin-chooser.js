/* The admin's filtered chooser (FilteredSelectMultiple, used for what a scenario's plan must show):
 * Django's SelectFilter2 draws its filter icons as spans with an aria-label but no role, which
 * assistive technology may ignore and axe reports (aria-prohibited-attr). Give them the role of the
 * image they are, once SelectFilter2 has drawn them (it does so on "load", registered before this). */
window.addEventListener("load", function () {
  "use strict";
  document.querySelectorAll(".selector .help-tooltip[aria-label]:not([role])").forEach(function (icon) {
    icon.setAttribute("role", "img");
  });
});
