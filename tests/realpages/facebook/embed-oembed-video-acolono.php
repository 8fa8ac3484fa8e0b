<?php
declare(strict_types = 1);

return [
    'headers' => [
        'content-type' => [
            'text/javascript; charset=utf-8'
        ],
        'cache-control' => [
            'private, no-cache, no-store, must-revalidate'
        ],
        'expires' => [
            'Sat, 01 Jan 2000 00:00:00 GMT'
        ],
        'pragma' => [
            'no-cache'
        ],
        'strict-transport-security' => [
            'max-age=15552000; preload'
        ],
        'content-encoding' => [
            'br'
        ],
        'content-security-policy' => [
            'default-src * data: blob: \'self\';script-src *.facebook.com *.fbcdn.net *.facebook.net *.google-analytics.com *.virtualearth.net *.google.com 127.0.0.1:* *.spotilocal.com:* \'unsafe-inline\' \'unsafe-eval\' blob: data: \'self\';style-src data: blob: \'unsafe-inline\' *;connect-src *.facebook.com facebook.com *.fbcdn.net *.facebook.net *.spotilocal.com:* wss://*.facebook.com:* https://fb.scanandcleanlocal.com:* attachment.fbsbx.com ws://localhost:* blob: *.cdninstagram.com \'self\';block-all-mixed-content;upgrade-insecure-requests;'
        ],
        'vary' => [
            'Accept-Encoding'
        ],
        'x-content-type-options' => [
            'nosniff'
        ],
        'x-frame-options' => [
            'DENY'
        ],
        'x-xss-protection' => [
            '0'
        ],
        'x-fb-debug' => [
            '31zjRsws6MaxBxVe8Qa0tz8p3O4zpHeebMeaKgeZUvs0cCRfiddxu3f/Ehe62avGs99Bs8cAgER2xOqyJgEv4w=='
        ],
        'date' => [
            'Wed, 20 May 2020 17:54:20 GMT',
            'Wed, 20 May 2020 17:54:20 GMT'
        ],
        'alt-svc' => [
            'h3-27=":443"; ma=3600'
        ],
        'Content-Location' => [
            'https://www.facebook.com/plugins/video/oembed.json/?url=https%3A%2F%2Fwww.facebook.com%2Facolono%2Fvideos%2F10154107990797381%2F'
        ],
        'X-Request-Time' => [
            '0.160 ms'
        ]
    ],
    'statusCode' => 200,
    'reasonPhrase' => 'OK',
    'body' => '{"author_name":"Acolono GmbH","author_url":"https://www.facebook.com/acolono/","provider_url":"https://www.facebook.com","provider_name":"Facebook","success":true,"height":901,"html":"\\u003Cdiv id=\\"fb-root\\">\\u003C/div>\\n\\u003Cscript async=\\"1\\" defer=\\"1\\" crossorigin=\\"anonymous\\" src=\\"https://connect.facebook.net/es_ES/sdk.js#xfbml=1&amp;version=v7.0\\">\\u003C/script>\\u003Cdiv class=\\"fb-video\\" data-href=\\"https://www.facebook.com/acolono/videos/10154107990797381/\\">\\u003Cblockquote cite=\\"https://www.facebook.com/acolono/videos/10154107990797381/\\" class=\\"fb-xfbml-parse-ignore\\">\\u003Ca href=\\"https://www.facebook.com/acolono/videos/10154107990797381/\\">\\u003C/a>\\u003Cp>Eindr\\u00fccke vom gestrigen Drupal Austria Meetup bei uns im B\\u00fcro :) Wir haben die beste Community!\\u003C/p>Publicada por \\u003Ca href=\\"https://www.facebook.com/acolono/\\">Acolono GmbH\\u003C/a> en Jueves, 12 de mayo de 2016\\u003C/blockquote>\\u003C/div>","type":"video","version":"1.0","url":"https://www.facebook.com/acolono/videos/10154107990797381/","width":500}'
];
