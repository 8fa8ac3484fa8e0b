<?php
declare(strict_types = 1);

return [
    'headers' => [
        'content-type' => [
            'application/json; charset=utf-8'
        ],
        'x-tt-logid' => [
            '2024061015593069332DF90B98E956EB3E'
        ],
        'x-xss-protection' => [
            '1; mode=block'
        ],
        'x-frame-options' => [
            'SAMEORIGIN'
        ],
        'x-content-type-options' => [
            'nosniff'
        ],
        'x-download-options' => [
            'noopen'
        ],
        'x-tt-trace-host' => [
            '017cfddef21a18b6b0cd798804968dc965f877c995c35dcf874c2202d69a8908eeebb4e2f87ba4ba048cc68cf8c5fb9a8a79fd479e917deeb9040c39919715a622b322fa62feeaa713b1b25990f5dbd7eec6c8d770fe1b0f27b5d0a11795c6cbb0dc22c4407475d9a4c1b176f2daba109c'
        ],
        'x-tt-trace-id' => [
            '00-24061015593069332DF90B98E956EB3E-097BE6D33889413E-00'
        ],
        'server' => [
            'TLB'
        ],
        'access-control-allow-origin' => [
            '*'
        ],
        'content-encoding' => [
            'br'
        ],
        'content-length' => [
            '659'
        ],
        'x-origin-response-time' => [
            '149,23.46.15.38'
        ],
        'x-akamai-request-id' => [
            '6a10d4b.2b38b36d'
        ],
        'expires' => [
            'Mon, 10 Jun 2024 15:59:31 GMT'
        ],
        'cache-control' => [
            'max-age=0, no-cache, no-store'
        ],
        'pragma' => [
            'no-cache'
        ],
        'date' => [
            'Mon, 10 Jun 2024 15:59:31 GMT'
        ],
        'x-cache' => [
            'TCP_MISS from a96-16-85-139.deploy.akamaitechnologies.com (AkamaiGHost/11.5.1-56337083) (-)'
        ],
        'x-cache-remote' => [
            'TCP_MISS from a23-46-15-38.deploy.akamaitechnologies.com (AkamaiGHost/11.5.1-56337083) (-)'
        ],
        'x-tt-trace-tag' => [
            'id=16;cdn-cache=miss;type=dyn'
        ],
        'server-timing' => [
            'cdn-cache; desc=MISS, edge; dur=100, origin; dur=149',
            'inner; dur=139'
        ],
        'x-parent-response-time' => [
            '248,96.16.85.139'
        ],
        'Content-Location' => [
            'https://www.tiktok.com/oembed?url=https%3A%2F%2Fwww.tiktok.com%2F%40a3noticias%2Fvideo%2F6806030056956251397&format=json'
        ],
        'X-Request-Time' => [
            '0.316 ms'
        ]
    ],
    'statusCode' => 200,
    'reasonPhrase' => 'OK',
    'body' => '{"version":"1.0","type":"video","title":"Nuestro #AplausoSanitario más sincero. Para todos. Y recuerda, #QuédateEnCasa","author_url":"https://www.tiktok.com/@a3noticias","author_name":"Antena 3 Noticias","width":"100%","height":"100%","html":"<blockquote class=\\"tiktok-embed\\" cite=\\"https://www.tiktok.com/@a3noticias/video/6806030056956251397\\" data-video-id=\\"6806030056956251397\\" data-embed-from=\\"oembed\\" style=\\"max-width:605px; min-width:325px;\\"> <section> <a target=\\"_blank\\" title=\\"@a3noticias\\" href=\\"https://www.tiktok.com/@a3noticias?refer=embed\\">@a3noticias</a> <p>Nuestro <a title=\\"aplausosanitario\\" target=\\"_blank\\" href=\\"https://www.tiktok.com/tag/aplausosanitario?refer=embed\\">#AplausoSanitario</a> más sincero. Para todos. Y recuerda, <a title=\\"quédateencasa\\" target=\\"_blank\\" href=\\"https://www.tiktok.com/tag/qu%C3%A9dateencasa?refer=embed\\">#QuédateEnCasa</a></p> <a target=\\"_blank\\" title=\\"♬ Resistiré - Duo Dinamico\\" href=\\"https://www.tiktok.com/music/Resistiré-250824169968246784?refer=embed\\">♬ Resistiré - Duo Dinamico</a> </section> </blockquote> <script async src=\\"https://www.tiktok.com/embed.js\\"></script>","thumbnail_width":480,"thumbnail_height":848,"thumbnail_url":"https://p77-sign-va.tiktokcdn.com/obj/tos-maliva-p-0068/165175e006354d838501378cfb325b79_1584652367?x-expires=1718204400&x-signature=weANzY8AXzX93c5j7jm34neMhWY%3D","provider_url":"https://www.tiktok.com","provider_name":"TikTok","author_unique_id":"a3noticias","embed_product_id":"6806030056956251397","embed_type":"video"}'
];
