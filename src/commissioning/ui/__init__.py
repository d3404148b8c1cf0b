"""The UI kit: what every app's pages are built with — answering a form, a refusal or a
download (``http``), NHS.UK forms and fields (``forms``), template tags (``templatetags.nhs``),
the sign-in requirement (``middleware``) and the menu that apps register into
(``navigation``). Below the apps: it imports none of them."""
