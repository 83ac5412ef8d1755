// The "Set publishing schedule" dialog (psg/forms.py): its date pickers sit in the dialog's
// flow and close when their field loses focus. Pressing "Save schedule" would take the focus,
// close the picker and move the button up before the click lands, so the press keeps the focus
// where it is; the click then saves as usual.
document.addEventListener(
  "mousedown",
  (event) => {
    if (event.target.closest("#schedule-publishing-dialog button[type='submit']")) {
      event.preventDefault();
    }
  },
  true,
);
