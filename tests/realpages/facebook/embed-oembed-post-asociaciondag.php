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
            'K/0J4DSNYkPYMJQ+9QCj5n612Ilnrzq5WRwGYQ7GkJdkQ8EVzhEumJYFFxvRYN6+6GpuSzea96eWRB9o88mMJQ=='
        ],
        'date' => [
            'Wed, 20 May 2020 17:54:19 GMT',
            'Wed, 20 May 2020 17:54:19 GMT'
        ],
        'alt-svc' => [
            'h3-27=":443"; ma=3600'
        ],
        'Content-Location' => [
            'https://www.facebook.com/plugins/post/oembed.json/?url=https%3A%2F%2Fwww.facebook.com%2Fasociaciondag%2Fposts%2F827163017327807'
        ],
        'X-Request-Time' => [
            '0.161 ms'
        ]
    ],
    'statusCode' => 200,
    'reasonPhrase' => 'OK',
    'body' => '{"author_name":"DAG, Asociaci\\u00f3n Galega de Dese\\u00f1o","author_url":"https://www.facebook.com/asociaciondag/","provider_url":"https://www.facebook.com","provider_name":"Facebook","success":true,"height":null,"html":"\\u003Cdiv id=\\"fb-root\\">\\u003C/div>\\n\\u003Cscript async=\\"1\\" defer=\\"1\\" crossorigin=\\"anonymous\\" src=\\"https://connect.facebook.net/es_ES/sdk.js#xfbml=1&amp;version=v7.0\\">\\u003C/script>\\u003Cdiv class=\\"fb-post\\" data-href=\\"https://www.facebook.com/asociaciondag/posts/827163017327807\\" data-width=\\"552\\">\\u003Cblockquote cite=\\"https://www.facebook.com/asociaciondag/posts/827163017327807\\" class=\\"fb-xfbml-parse-ignore\\">\\u003Cp>Aqu\\u00ed vos deixamos unhas imaxes da nosa visita do pasado s\\u00e1bado \\u00e1 Guarda. Moi agradecidos \\u00e1 Asociaci\\u00f3n Naturalista do Baixo Mi\\u00f1o www.anabam.org e a Malde Arqueolox\\u00eda\\u003C/p>Publicada por \\u003Ca href=\\"https://www.facebook.com/asociaciondag/\\">DAG, Asociaci\\u00f3n Galega de Dese\\u00f1o\\u003C/a> en&nbsp;\\u003Ca href=\\"https://www.facebook.com/asociaciondag/posts/827163017327807\\">Martes, 21 de octubre de 2014\\u003C/a>\\u003C/blockquote>\\u003C/div>","type":"rich","version":"1.0","url":"https://www.facebook.com/asociaciondag/posts/827163017327807","width":552}'
];
