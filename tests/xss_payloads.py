"""Hostile text an editor (or a compromised editor account) might type into any content field.

Script and style tags, event-handler attributes, javascript: and data: URLs, SVG and
MathML, Markdown link and image tricks, and encoded or obfuscated variants. Used by
tests/test_hostile_content.py and the browser test of a hostile summary. Each payload
that would run shows a dialog (alert/confirm/prompt/print) or sets a global.
"""

PAYLOADS = [
    # Script and style tags
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(2)</scr</script>ipt>",
    "<script/src=data:text/javascript,alert(3)></script>",
    '"><script>alert(4)</script>',
    "'><script>alert(5)</script>",
    "</textarea><script>alert(6)</script>",
    "</title><script>alert(7)</script>",
    "<style>body{background:url(javascript:alert(8))}</style>",
    "<style>@import 'https://evil.example/x.css';</style>",
    "<link rel=stylesheet href=https://evil.example/x.css>",
    "<meta http-equiv=refresh content='0;url=javascript:alert(9)'>",
    "<base href=https://evil.example/>",
    # Event-handler attributes
    "<img src=x onerror=alert(10)>",
    "<img src=x onerror='alert(11)'//",
    '<img src="x" onerror="alert&#40;12&#41;">',
    "<body onload=alert(13)>",
    "<div onmouseover=alert(14)>hover me</div>",
    "<input autofocus onfocus=alert(15)>",
    "<details open ontoggle=alert(16)>",
    "<video><source onerror=alert(17)></video>",
    "<audio src=x onerror=alert(18)>",
    "<marquee onstart=alert(19)>",
    "<a href=# onclick=alert(20)>click</a>",
    "<p style=x onpointerenter=alert(21)>x</p>",
    # javascript: and data: URLs
    "<a href=javascript:alert(22)>link</a>",
    "<a href=JaVaScRiPt:alert(23)>link</a>",
    "<a href=' javascript:alert(24)'>link</a>",
    "<a href=data:text/html;base64,PHNjcmlwdD5hbGVydCgyNSk8L3NjcmlwdD4=>link</a>",
    "<iframe src=javascript:alert(26)></iframe>",
    "<iframe srcdoc='<script>alert(27)</script>'></iframe>",
    "<object data=javascript:alert(28)></object>",
    "<embed src=data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMjkpPjwvc3ZnPg==>",
    "<form action=javascript:alert(30)><button>go</button></form>",
    "<button formaction=javascript:alert(31)>go</button>",
    # SVG and MathML
    "<svg onload=alert(32)>",
    "<svg><script>alert(33)</script></svg>",
    '<svg><a xlink:href="javascript:alert(34)"><text x=0 y=20>x</text></a></svg>',
    "<svg><animate onbegin=alert(35) attributeName=x dur=1s>",
    "<svg><foreignObject><iframe src=javascript:alert(36)></iframe></foreignObject></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(37)>",
    # Markdown link and image tricks
    "[click](javascript:alert(38))",
    "[click](JAVASCRIPT:alert(39))",
    "[click](javascript&#58;alert(40))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCg0MSk8L3NjcmlwdD4=)",
    "![x](javascript:alert(42))",
    '![x](x" onerror="alert(43))',
    '[x](https://example.org "title" onmouseover=alert(44))',
    "[a]: javascript:alert(45)\n\nSee [a].",
    "<javascript:alert(46)>",
    "[x](vbscript:msgbox(47))",
    "[x](<javascript:alert(48)>)",
    "[x](  javascript:alert(49)  )",
    "```\n</code><script>alert(50)</script>\n```",
    "`<img src=x onerror=alert(51)>`",
    # Encoded and obfuscated variants
    "&lt;script&gt;alert(52)&lt;/script&gt;",
    "%3Cscript%3Ealert(53)%3C/script%3E",
    "\\u003cscript\\u003ealert(54)\\u003c/script\\u003e",
    "<a href=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(55)>x</a>",
    "<a href=java&#x09;script:alert(56)>x</a>",
    '<a href="jav\tascript:alert(57)">x</a>',
    "<img src=`x`onerror=alert(58)>",
    "<<script>alert(59)//<</script>",
    "<img/src/onerror=alert(60)>",
    "{{ 7|add:7 }}{% debug %}<!--<script>alert(61)</script>-->",
    "\u202e<script>alert(62)</script>",
]

assert len(PAYLOADS) >= 50
assert len(set(PAYLOADS)) == len(PAYLOADS)
