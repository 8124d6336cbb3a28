/**
 * The one stylesheet of every Rebound page (consent pages, job seekers' pages, admin view), served as
 * `/assets/rebound.css` so the Content-Security-Policy can forbid inline styles. Modelled on the GOV.UK
 * Design System: large readable type, visible focus, errors in red with a left border, 44 px touch targets.
 */
export const STYLESHEET = `
*,*::before,*::after{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;font-size:100%;line-height:1.5;color:#0b0c0c;background:#f3f2f1}
body{margin:0}
a{color:#1d70b8}a:visited{color:#4c2c92}a:hover{color:#003078}
a:focus,button:focus,input:focus,select:focus,textarea:focus,summary:focus{outline:3px solid #fd0;outline-offset:0;box-shadow:0 4px 0 #0b0c0c}
.skip{position:absolute;left:-9999px}.skip:focus{left:1rem;top:1rem;background:#fd0;padding:.5rem;z-index:1}
header.site{background:#0b0c0c;color:#fff;padding:.75rem 1rem}
header.site a{color:#fff;font-weight:700;text-decoration:none;font-size:1.25rem}
header.site nav a{font-size:1rem;font-weight:400;margin-right:1rem;text-decoration:underline}
header.site .who{float:right;font-size:.9rem}
main{max-width:60rem;margin:0 auto;padding:1.5rem 1rem 3rem;background:#fff;min-height:60vh}
footer.site{max-width:60rem;margin:0 auto;padding:1rem;font-size:.875rem;color:#505a5f}
h1{font-size:2rem;line-height:1.2;margin:0 0 1.25rem}h2{font-size:1.5rem;margin:1.5rem 0 1rem}
p,ul,ol{margin:0 0 1rem;max-width:40em}
.lead{font-size:1.2rem}
.hint{color:#505a5f;display:block;margin-bottom:.25rem}
.field{margin-bottom:1.5rem}
.field label,.field legend{display:block;font-weight:700;margin-bottom:.25rem}
.field--error{border-left:5px solid #d4351c;padding-left:.75rem}
.field-error{display:block;color:#d4351c;font-weight:700;margin-bottom:.25rem}
input[type=text],input[type=email],input[type=date],input[type=datetime-local],select{font:inherit;padding:.35rem;border:2px solid #0b0c0c;min-height:2.5rem;width:100%;max-width:30em}
fieldset{border:0;padding:0;margin:0}
.choice{display:flex;align-items:center;gap:.5rem;margin:.25rem 0;min-height:2.75rem}
.choice input{width:1.5rem;height:1.5rem;margin:0;flex:none}
.button{display:inline-block;font:inherit;font-weight:700;padding:.5rem 1rem;min-height:2.75rem;border:0;border-bottom:2px solid #002d18;background:#00703c;color:#fff;cursor:pointer;text-decoration:none;margin:0 .5rem .75rem 0}
.button:hover{background:#005a30}
.button--secondary{background:#f3f2f1;color:#0b0c0c;border-bottom-color:#929191}.button--secondary:hover{background:#dbdad9}
.button--warning{background:#d4351c;border-bottom-color:#55150b}.button--warning:hover{background:#aa2a16}
a.button,a.button:visited{color:#fff}a.button--secondary,a.button--secondary:visited{color:#0b0c0c}
.error-summary{border:5px solid #d4351c;padding:1rem;margin-bottom:1.5rem}
.error-summary h2{margin-top:0;font-size:1.25rem}
.error-summary a{color:#d4351c;font-weight:700}
.panel{border-left:10px solid #1d70b8;background:#f3f2f1;padding:1rem;margin-bottom:1.5rem}
.panel--ok{border-left-color:#00703c}.panel--warn{border-left-color:#d4351c}
.tag{display:inline-block;padding:0 .4rem;font-size:.875rem;font-weight:700;background:#e8f1f8;color:#0c2d4a}
.tag--pending{background:#fff7bf;color:#594d00}.tag--sent{background:#cce2d8;color:#005a30}
.tag--cancelled,.tag--missing,.tag--failed{background:#f6d7d2;color:#942514}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;margin-bottom:1.5rem;font-size:.95rem}
th,td{text-align:left;padding:.5rem .75rem .5rem 0;border-bottom:1px solid #b1b4b6;vertical-align:top}
th{font-weight:700}
.inline-form{display:inline}
.chart{max-width:100%;height:auto}
.chart text{font-size:11px;fill:#0b0c0c}
.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:1rem}
.legend span{display:inline-block;width:1rem;height:1rem;vertical-align:middle;margin-right:.25rem}
.k-follow_up{fill:#1d70b8;background:#1d70b8}.k-thank_you{fill:#00703c;background:#00703c}
.k-ask_feedback{fill:#f47738;background:#f47738}.k-apply_formally{fill:#4c2c92;background:#4c2c92}
.k-reconnect{fill:#d53880;background:#d53880}
main.wide{max-width:80rem}main.wide figure{max-width:60rem;margin:0 0 1.5rem}
header.site{display:flow-root}header.site .signout{float:right;clear:right;margin:0}
header.site .signout button{font:inherit;font-size:.9rem;background:none;border:0;color:#fff;text-decoration:underline;cursor:pointer;padding:.25rem 0;min-height:2.75rem}
.banner{border:5px solid #00703c;padding:1rem;margin-bottom:1.5rem;font-weight:700}
.filters{display:flex;flex-wrap:wrap;gap:0 1.5rem;align-items:flex-end;background:#f3f2f1;padding:1rem 1rem 0;margin-bottom:1.5rem}
.filters .field{margin-bottom:1rem}.filters input,.filters select{width:auto}.filters .field-error{color:#aa2a16}
.actions{display:flex;flex-wrap:wrap;gap:.25rem 0;align-items:flex-end}
.actions .field{margin:0 .5rem .75rem 0}
.button--small{font-size:.9rem;padding:.25rem .6rem;min-height:2.25rem}
dl.summary{display:grid;grid-template-columns:minmax(8rem,max-content) 1fr;gap:.25rem 1rem;margin:0 0 1.5rem}
dl.summary dt{font-weight:700}dl.summary dd{margin:0}
pre.email-text{white-space:pre-wrap;background:#f3f2f1;padding:1rem;font-size:.9rem;max-width:48em}
iframe.email-html{width:100%;height:40rem;border:2px solid #b1b4b6;background:#fff}
.muted{color:#505a5f}
code{font-size:.9em;word-break:break-all}
.tag--present{background:#cce2d8;color:#005a30}.tag--different,.tag--sending{background:#fff7bf;color:#594d00}
.tag--not_expected,.tag--waiting{background:#e8f1f8;color:#0c2d4a}
@media (max-width:40em){h1{font-size:1.5rem}main{padding:1rem .75rem 2rem}}
`;
