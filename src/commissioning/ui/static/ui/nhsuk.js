// The NHS.UK frontend's behaviour (the header's "More" menu on a narrow screen, the error
// summary's focus, character counts), served from this site like everything else.
import { initAll } from "../nhsuk/nhsuk-frontend.min.js";

initAll();
