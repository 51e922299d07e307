// The private keys of the simulation's other certificate authorities (see SimulationKeys.swift):
// generated once with `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:N` (4096 bits for
// the ISRG-Root-X1-shaped root, as the real one; 2048 for the rest) and published here so that
// every chain is real and reproducible. Nothing should ever trust them.

enum SimulationCAKeys {
    /// Signs the Starfield-Services-Root-G2-shaped cross-certificate of the Amazon root.
    static let starfield = """
        -----BEGIN PRIVATE KEY-----
        MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCelbs/9v5v89Bh
        Go4sUpgbzuzNk4IQ6i68qm8hZtv2gVSzrTdI3bJhp6j3xBQILQDhyW19r4Yur7Vp
        ZWIEfpnLf3Vnw+s1EpZcYwWeQFQc93de0qqEZdo8LnMLEgGZueVaFl4tb60ry5r8
        BIfTue8EfutuZSPcNHTwPwcC6s1ZptKeypdG/72FOvAWvwIQw6+4IEOQ2Qi7pS25
        p7dY4LjnL3BfqZRPms/XQJEMCS93RlDfZa3oBs/e32gBx7BNphPshara2cp3E0uE
        jN3lVHlw0Dt2mE0hlLjINnV8bgKrSh42SnO41zPAuwCTqbAL8BmJaRVHy2JNqrBX
        1XiVsXHJAgMBAAECggEAEdyQfhheORLPjhhVGhXlbwBj+JWcKTaPNA3IPY1dygpw
        FVq1pt3diRU+uUVa8j7LYiLzU5ww81I0Dx5tp07xGJQPD7Rn6g7hY599kwDw2GBh
        EAuPTCFCrtOWfpE1H/DprbdmPRzedtfUaX1DJSxEiQ+YidMXcmZwI10d94ylu2qa
        0zI9V0qebHS2kf39JR8PB+MQWUpy50sPuHF4yR3MCzc2+ZxOwM/4wd8czu4bDThI
        2vRxf4Ag5voXo55XAuPd/Ghke22qEPqgdXaB5oF4vkR+laORVUM0eRuzuZ5HfS61
        RJ78vMImkHg3ea+0hnlgnBdLliyn5IW9SKM85I68AQKBgQDReLYWMm9vC0ODlJEg
        0trUtwbBbuvBWKCH5PaQwA1E211KLeO5MRiMBDTmrKpqpOYS1hZMoSm8sZjHjR5o
        26IVfakdUMch5sKrTQvDJmjLjDR+NiRdukdHQi5QTTnUR8NhV6LmPefrA3SI52o5
        /ShtPabdYIfgxNKANBbQGOi0yQKBgQDBz203unIb6JPnrAmZNHgeX+XOxBGnHbnk
        SqvNSiGaIDRcKiIYd1rCsatZbMcJ7ilN9tCI5vKzuvL9IliNydU2jiGFPUiNqdVs
        NYdVolkA4IZqV2yIHHV9/3rKQZoj9+dGXqMQ+7FiWOpJV4zGmUzqaUaXOdlKzSCb
        /EJk3bJVAQKBgQDF5Q/Jmq5yLycCeWo+o1XAHoXQWxV5nVxT5nkWuYoPolrZSM9a
        V0rEhPjhcQCzLcR6yS1aCewfa31WETlIgS74tLX/jyACJDuHkItrO69HldbF4iqr
        LeBHLvwIO11F8uJf5WZttNCU07fV2yMdU9FMmzE49giIzgm8uvlOcinvGQKBgFFC
        fRJ+k9VrwIfENAoOW8awgpQc1SHybrxvKnVafZg3pHx4Fe+YK2+yOpu15gYd2yeb
        MngUDPKakcLcobBhTYogMaHBvifXa2qBTwrylMqvWOxBV3oCJKj9cyhWNSCbklaI
        22oFfaw0h5bUpGuoXv1xwm0pjhe0xdVhAR11bo4BAoGBAL61WcZAt7tRhoYy8szU
        NcBndV2YcezkAGyNqimCwzp3vOCVv1mW+KAPjyuc6OKHU+U8hPGXK+D6fy1HaOPt
        1LWW6yN53RgJwRa7clXCgmSqrk6aNDOYeJDsEh2sj3EF2mRdWuplilK1WM4ILaIC
        z+aNxC/9xe+4KdfkWC+LD1S1
        -----END PRIVATE KEY-----
        """
    /// The public half of ``starfield``.
    static let starfieldPublic = """
        -----BEGIN PUBLIC KEY-----
        MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAnpW7P/b+b/PQYRqOLFKY
        G87szZOCEOouvKpvIWbb9oFUs603SN2yYaeo98QUCC0A4cltfa+GLq+1aWViBH6Z
        y391Z8PrNRKWXGMFnkBUHPd3XtKqhGXaPC5zCxIBmbnlWhZeLW+tK8ua/ASH07nv
        BH7rbmUj3DR08D8HAurNWabSnsqXRv+9hTrwFr8CEMOvuCBDkNkIu6Utuae3WOC4
        5y9wX6mUT5rP10CRDAkvd0ZQ32Wt6AbP3t9oAcewTaYT7IWq2tnKdxNLhIzd5VR5
        cNA7dphNIZS4yDZ1fG4Cq0oeNkpzuNczwLsAk6mwC/AZiWkVR8tiTaqwV9V4lbFx
        yQIDAQAB
        -----END PUBLIC KEY-----
        """
    /// The Amazon RDS Region root ("Root CA RSA2048 G1"-shaped).
    static let rdsRoot = """
        -----BEGIN PRIVATE KEY-----
        MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDKnGm6FBxZRQIp
        oPpUk/zv3rMFO6OkZgaLzR9Df2FARsFce10Vx3stwMJp0HVopHTwfF80TzQy4ElV
        uyYkRks1UO6WXo/o5UxZDRWE+uqEPJ48f4e7HMYvO+pHNpdlkDs6pcSAKz0U04oj
        4i4x7heZe2w8cZvoTaJW/DAA/gBy2o5xJXKit6WtZP1DJkuBaJRWbYDboi7zwN/h
        t0i9CbNpd6Gf7U/OfGIlpqJJk037C+v91IGqo2YAi7qjjbnXOLRQRRHIanCxCfKS
        YZp9sxcGaMgvkzWJHVXf8xi7nsNZamMyidEXjXoDc78jFL8G6rS4gRGEVkT98L1X
        habSe0MJAgMBAAECggEARMK/iOShWFR4rusQedq9eSShqdF7MGRlrVVgWlZlCVzZ
        64p8ZVNNRRJJiIK0Dd7eRu1WnBiTNP70NHGuuJnYlVARoJuYCGilOAWeO4KyS02N
        QCfhxwk1YztYv3FSAShpSXaPkRXbhXFjTNlKZyyP+sktyvede0G5qf6tRfDt8wwJ
        CTJoIZOgeX1BNjdK/rCqQsepCyx9QY7XVh6tA9dONUXbSRXElRxAuzXfLYuYZMLR
        pr9jXpm6JLPp63bW/JNkyAFG9wg564aYjZC2/aQ6i1OaIczEdH9t7utuJlMRcd4E
        z+yTLjSrgAh9gruMo2aYkhx+A1wan6IQksUDl1kKBwKBgQD6gWx2HytvLQ5LdhtM
        0SHm3lh3v2hdaf4VIG4QXj0dd4cz4OrqUyvemjYvhgwjir2m2ajISixRBHZ6PSL6
        C+OQ+3zC1fRE7YddNMfQZkSOVkh1AO/+phaBoUZN+QwKPwInyYU6izz/UC2u3dh4
        FdtZunCYnviOxR7c+ueYTVLg0wKBgQDPDhBMLjz+n+b4Yu6b1zxTLeyOkKY3AodT
        pOKJrUbJeABXMtzgqcyyfRusLTuabVJ714T3Numzn05OJ+udqwUDP4jHefeA+C4D
        QXG0hIVrYgMJxb4AQ1OYjj1RFbIqUnkNSNTa1uyMBronLy/1BoMPaNePPo5KPmfg
        2Nx7npIDMwKBgQD3S3cAMQsWyJrZAfI3ZikamZsqM8nalf0fbBFblTyt70aIf1xJ
        EOw453HgfmtTVu6cXTkS6K5RGJ/BUsNJpxzzDmF+kep/dSFxcN5kq+C3xxPmdZN2
        hw2m0Mfvx5EMOGFvV7BvN+9yd/txKk49Vg5hyPzInf7wKkaqjgK9RnAvwwKBgHQP
        HwWEmX3kJXQvCC5kXBUH1eQnonONQEubTbv8W4RMdmxqPzLTGsElrWA6ToGGK8jt
        CkQEDMU5U4wthj1vgjTK5SFi9V/ePPRoN5MHAT4qxycwJwtAsdf+StJrhd2BMwdG
        PsGX3Sm0D54tLgV7K/V0P/e0CdAF4PZAuH22aYPPAoGBAK3yV+2wxrZaU4zHqfns
        JcRR9+0Ln9P+v61eGbPh03BAjxDaBRIPhLujS9hZGQO8qTlGCHOaR0hP8ci/aLhb
        n8Qu726DNde5IsEh7CTuP41IMfHqGR+6Zp3z1Z99fxolnptBR84ezFyWM+NSVdvK
        WDeejEMPpNCPtuMOQUxu4eN4
        -----END PRIVATE KEY-----
        """
    /// The public half of ``rdsRoot``.
    static let rdsRootPublic = """
        -----BEGIN PUBLIC KEY-----
        MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAypxpuhQcWUUCKaD6VJP8
        796zBTujpGYGi80fQ39hQEbBXHtdFcd7LcDCadB1aKR08HxfNE80MuBJVbsmJEZL
        NVDull6P6OVMWQ0VhPrqhDyePH+HuxzGLzvqRzaXZZA7OqXEgCs9FNOKI+IuMe4X
        mXtsPHGb6E2iVvwwAP4ActqOcSVyorelrWT9QyZLgWiUVm2A26Iu88Df4bdIvQmz
        aXehn+1PznxiJaaiSZNN+wvr/dSBqqNmAIu6o4251zi0UEURyGpwsQnykmGafbMX
        BmjIL5M1iR1V3/MYu57DWWpjMonRF416A3O/IxS/Buq0uIERhFZE/fC9V4Wm0ntD
        CQIDAQAB
        -----END PUBLIC KEY-----
        """
    /// The Amazon RDS Region subordinate ("Subordinate CA RSA2048 G1.A.n"-shaped).
    static let rdsSubordinate = """
        -----BEGIN PRIVATE KEY-----
        MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQC24e86igY0x7D3
        fjslNbIEflTtMc05iDCp59kdAUdBo5c+kfk8fkjDMiE2gIH5Hvs8tmr+Vs7U2A12
        JVnczpg3hLMmINiu5FDG99agzfWeGUEHoEMqm2Ix/+emUZTQvMOFMmi5sD2RFngu
        JE/r11fWbMkrQNht7Q4U2lNe+YPVmYd3pQevSnXKCbZ9DzGgXtMkMpX2ilkbOuHP
        YCbu9DEi6TgNo/9y5BFWzBl44db3W7Rp7TDWET+BkW+/KVpZJxTjq0jMnyZGGNPk
        EwIwYyaY4Gt6aoq73f8jBR2EvjZC/b8rPernzngghmNFAjcQ3WyqtVpXRms1+mmK
        brIcZrgxAgMBAAECggEAD+2ltGeJGte5phSsehUvKA0IwI/x2+zssB+tXUVbO3BQ
        H/b+yjIFjFq1YdXXfCcioqsQro5I/WjD42JlbUHhKBS6tbtuo+zmzC2R1/eYSOjS
        LSPcNb3K06gCOQ4p8/Q840D8tg+PjS9z0DEBdP0QfXCEJOxE7W4UJ+TMFh2NSfEr
        Z0MiCkqZFVFHfj3YLu6LTI6C7FJWVc2K7H3sOGp4MI9rx7oq3FP1IArClj8eDAdx
        oLQSjQZxpm2O2nRYpeOwzNYpwIjOs46IqBvCdq3sJHnLvcfYLZESY3So4krTdavK
        w+b8FftuZWtMp166x1VA/SXy7vwgPLvzGJ/+O0R/QQKBgQDu1wSwMgwdyS8OCTlT
        JPLLbSozqjeR8aQCa0oJldNKJ/hb9dtbgO7NxHbruetG2AwIi4XH1vmUjDi26axa
        0nFT1mlQd1SDCBPLtyNDrUjb+d1tgNXB6Ywect4lNxfan+Qgs7vtOVSRvw5d3C3P
        7+KDVlU07/Lat3S9GqxCdbZSRQKBgQDEBbFTeoYheGf8nH+mS8JmTDXLejFKeZsl
        Q8HEFTIY5W4+Qu5gjynDH4YJSHwFfIfthYaooh65RWSvJVsh3sdk0WKvBKCab3pZ
        JQY7n0AyeW5DD9hUVFOsdbYdIHRoLDF1k/QWkwzPM0mkxiTbGzzqTFmvI45xD6Vv
        PH4jFOVi/QKBgDXCAdUivqVppgSzwMpdE6UEAi60zmM0D2VX/scfiPo0+uq/8Mqs
        v5Ni+B1gsHs2n6bAuLDdSznLQeyxtdCPc2CabwPkiAoiJEqDAxX1h+OzXsqJ6BMI
        XThxRFz+BIl52aAetFrVv5o6daJcr5cQ+Fv1b6JFq9Tc3BLAUSt4UTw9AoGBAI6I
        rSZMQ1f3G3XdvhwHnnWQGNW6JjlHL37rQ+v2lZTwzzbKqFbiArX1KBt772J16MjX
        fNEGAV0qjkmk2h1IxqgScLVeogFp6gcEGwIjjCSnk3uD/ANlxenzNdb8EGjnKZeb
        W7NGfdv0KSp9QbNonOSpW9Uz/5FKlTrLO9T6jslpAoGBAONAN+2NAJFivIJK9NL5
        miFmV2ThOfwm6n7vNmmF/ikFQZfOPfgD8yt49mkAA6WkDAcZkHE1GS96hbuc812k
        NrutrxpgvcBD/z7V4VDpE7gylLwR3VaCLnsmi4pmyyh62PQPG7dZjf7sO93Dpd82
        EfKs15awzKQY3SlFA/dxg3tA
        -----END PRIVATE KEY-----
        """
    /// The public half of ``rdsSubordinate``.
    static let rdsSubordinatePublic = """
        -----BEGIN PUBLIC KEY-----
        MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtuHvOooGNMew9347JTWy
        BH5U7THNOYgwqefZHQFHQaOXPpH5PH5IwzIhNoCB+R77PLZq/lbO1NgNdiVZ3M6Y
        N4SzJiDYruRQxvfWoM31nhlBB6BDKptiMf/nplGU0LzDhTJoubA9kRZ4LiRP69dX
        1mzJK0DYbe0OFNpTXvmD1ZmHd6UHr0p1ygm2fQ8xoF7TJDKV9opZGzrhz2Am7vQx
        Iuk4DaP/cuQRVswZeOHW91u0ae0w1hE/gZFvvylaWScU46tIzJ8mRhjT5BMCMGMm
        mOBremqKu93/IwUdhL42Qv2/Kz3q5854IIZjRQI3EN1sqrVaV0ZrNfppim6yHGa4
        MQIDAQAB
        -----END PUBLIC KEY-----
        """
    /// The ISRG-Root-X1-shaped root (RSA-4096).
    static let isrgRoot = """
        -----BEGIN PRIVATE KEY-----
        MIIJQgIBADANBgkqhkiG9w0BAQEFAASCCSwwggkoAgEAAoICAQDNGIou2DkGGXUC
        mccgnvTfO/uEPbROdE1Vsvu41SLNlkm/HBZhgGyzdrbUGEmJ4XFYBRD+0Pmxab4Y
        FwD7R4drYivsqYc+CPloThjd0d5gHrghoO74yiNuPcZkVzF03GY0RBWxIuLf+2Cb
        K+JZ0uuQd1Nw2SWT79/VGbgMqFSzvMEB0rro7k4mcgKZ33+GngBkxNcRFbTn3+YP
        QAq9rwaF/Vy2lJlxf0gpyRRb1qQNgd9i7eJGFhOeOCeYf+i2QWrvC285F4y7k3zF
        /q2Im40J7bMF3cquksJ5ClyBJv8ZLLziCKCGcmWJ8t6XAAupdLft7XBhqOa8mpFB
        HHZvWvc5e/hixe9XuGv8XPysWNAKZu1a2vwMUaC9KZItUH/D0p2CqTqO1oDRIPCu
        MCj4S/ZfZoI2uJ9W1vq826q03KvPiMJn6ySfmUhP4fQv5H+RlgVwyoL7jfH9tUBM
        c7xv5GoSwNV1Ug/0AItx+iK5RWh1aOlxZOl0asRyioP8MBKYKYL56DErhKXBoLnS
        tbLa1v7JsRnNYUmkNT1TA06CpglCKSETiPEygvmhsRX8TzFaAlM5IVuKri+KU6Hl
        p924XZWqsg2moV0ZNLtFSzvcTQ7dhykV9zx+UF4p2oMLNsNUvSnTnyeA7n04M0Qm
        SPDaD2XN3WZblVEMJFzIujwxwgAx4QIDAQABAoICABB6BTfoNQSRbP4NfprXSlLY
        zcb88gxPeZsF6wUZUldz2G7bAc1JdPIh+mQlo1rJWsK4fXoLLdQb66KhznlhcLam
        x2KW5/+K1waTJ5pCbvwH28EP3cLs8lW77sFG4/lAb5GJWrjFVbaqykMNDn0q3bPY
        ckKhn0w4PCIxk8CokU1zP4o29L8bzfl2tVDJTMRy0xNFYQXFWag7K49UFMjSU9LV
        3OnqHD2q/RAmUFVkc/+FzH11IPWCdocCeePdesORk9aqc4ABrVOwcJizchuEa5s9
        lmFFRTArKCZzN6VEjb/nATGjgcnrTM79TPaSkV1GvDQIHDwsRoUmYb76W2VsyGmX
        yzoaI4bgbAVN6algEf1KB5qrGuyKnt8KSrWjZTeunsO0uqAvoj8Dq2uIwlIg/3X4
        NSmMNngN/mVT4PVRvWlfsUYCjtTWZVmhSnJ8gWRLbDA/s3P/Yrr6BuP9Xh2SwNHL
        ecthgxXe/86w0llcXefGtwiYKLuZEHod0y3rezfvJt90AWZ6cSTl5m8dz9PUsSwi
        g5gI/BL9DYGemJg4g8l9NdnPJRLfAHEMPhhdjt3wXy4NGXx37qWU2STYvAgczNnf
        NlSg3z1cRbz78UTvVD0iAVgGM2q2NI/lCFGBRefQBf/4muwueVQRKDL1a/+50HgP
        pzVprb6E30SjoeHscLCxAoIBAQD/r1lFqBn/LzacpgmnGwmLPqnVR4t4ARyWZ83Y
        oBWOOxPjUL3PpaBIG+vT+Xj2sC061zuGXihGCUpfcuQUKYi4ubhKBhfVFlxoZNoJ
        l6UU+StL+1ZpCc/2W2c2Vf81dONOgKwdyk+/dMG2Mv5AanedQ1B6aiSSsd7TQgFj
        HpSh3N0ePYXvsUrQ3Qv7V4+VshpHxhmraJ2vFetMHrlCA2+JWKwcW/6coUOY9iug
        YlcB0Jq1nTUtJGvPbf+GQnsQRNamIFZl8wVaEogzJLiUw1IYASl0EqTZs1rT+nBj
        DZyswSJcrrhI+uzD9XrWmLdYB9CU2bRg0MVK6RGNKSa0mvOlAoIBAQDNWTvO3v4g
        kPPAfGbNvqlu3o0aof7B06uattkeK96CTve4VNb+qqIw9qO4CpkWeSeJy6rzPQkz
        hDlv5wsMWd2J7844r09zLhvM/kFWqEk8tYtGC2Eg4mxuuKXSqud5yzJyZliHo0VW
        jAfm6zMh0Akko2QBoD3QlLtgpVQvpq7b+HNLigOgWeAHqlp7MrYN9BpAWdm0nAfh
        GnzDrB/iu930FBvpsgkPLFyBSfEVJhJCDFjgXShckhJWK4z2b2OTk+U1Gc+pvw8p
        U4no3XqIDXqyLxHs8hVJxl+BDZxzj+9Nomh9gVoO/vx+/+UVVKCorGyfxBSD2J13
        MgBC4XgliACNAoIBAQC9sGyNpgorbO6aRwCQThnFiWbcSWjqTgDUgQyRcyqqy5+U
        nHlFjT4dYUGTkNiyQ8A6kCWkKUS9uPTJXWZiovHBAl/74wtZVm6WMIQma6/YoIcD
        puLTqKj1v5gSErj1AtQEkKegrlB93PQ95RUF2zcEoEUbnJWnk3iZyLVYwP5KG56c
        ac5tJl44GFZkUPDAgVLH/utaZJHfrGZVodGVbREZl4SQwZtivq101OVG5s5gFVBB
        /vDNneCyEoxpIfdE+Z05wHH4ztQgn/EV6F9cVpAYKPyFFbPhoxN2gq1Qf2/GJr8E
        fcdQtYBkXUGV5dTX5WxUkjMlRJ2qVsFjtaz2fqLVAoIBAA9hqL41K9nqoaeAaf7t
        Uimw1+bvzXJdVZRQL/E3ngIqwhl3mWcYBvAd+WN2v8LULmb+734qyz6ln9vG9afm
        L1b+tHbAgvYAtSpkvSYtktbOTnFfttXMwAyHHjyqeo4/7zZsfiMi0rXJ5WmhooHc
        4GJzLrGEfDzcdzClEapEFQL7GD/HRcBEGyjX1NE3mjVvXGwHjuwdZ+WvozrQ8M59
        /gEjZHfb0xvk2cUBceKAqItz+1BLChPtCRyVRIjNDStnv5p7pXd0jUEuNb1QobYB
        NHiWWARkmb2d81dqWpa5aFZrXOJRxxoqdWVZ66HuZd5clAJfoJ3Dov/jqetYkjRV
        fJ0CggEAQ7WigPzngqVXcGeONPJbHXr2MEIUXg3/uue90UbhTO8ofNv7goFN8iNW
        IuNeW28O7g2euuZhYmX9DGgrp4P4npbQOkrcMzv1vegnKZXEYP0fvRTVqsKO1Xhg
        Ijnagb7PvdC3PUoWKwvjsfSqmL289sPXT5fSZ15sdP0T8ZmRF0cXc+yecdvp48j1
        L+n5/cjSoWyn6GcSvMf1/qb5tSK3F3mhkdn43gVTtR+flROsetZg7d6XFwjAm9Lt
        xT9iVCECdkPGSa/NeQg4wNDigigLplM2A9245CMZia1YWlAlD6wJPok67rJ5PhZk
        4MxCczMJcCwORGPmHpyJSutE1hmlQA==
        -----END PRIVATE KEY-----
        """
    /// The public half of ``isrgRoot``.
    static let isrgRootPublic = """
        -----BEGIN PUBLIC KEY-----
        MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEAzRiKLtg5Bhl1ApnHIJ70
        3zv7hD20TnRNVbL7uNUizZZJvxwWYYBss3a21BhJieFxWAUQ/tD5sWm+GBcA+0eH
        a2Ir7KmHPgj5aE4Y3dHeYB64IaDu+Mojbj3GZFcxdNxmNEQVsSLi3/tgmyviWdLr
        kHdTcNklk+/f1Rm4DKhUs7zBAdK66O5OJnICmd9/hp4AZMTXERW059/mD0AKva8G
        hf1ctpSZcX9IKckUW9akDYHfYu3iRhYTnjgnmH/otkFq7wtvOReMu5N8xf6tiJuN
        Ce2zBd3KrpLCeQpcgSb/GSy84gighnJlifLelwALqXS37e1wYajmvJqRQRx2b1r3
        OXv4YsXvV7hr/Fz8rFjQCmbtWtr8DFGgvSmSLVB/w9Kdgqk6jtaA0SDwrjAo+Ev2
        X2aCNrifVtb6vNuqtNyrz4jCZ+skn5lIT+H0L+R/kZYFcMqC+43x/bVATHO8b+Rq
        EsDVdVIP9ACLcfoiuUVodWjpcWTpdGrEcoqD/DASmCmC+egxK4SlwaC50rWy2tb+
        ybEZzWFJpDU9UwNOgqYJQikhE4jxMoL5obEV/E8xWgJTOSFbiq4vilOh5afduF2V
        qrINpqFdGTS7RUs73E0O3YcpFfc8flBeKdqDCzbDVL0p058ngO59ODNEJkjw2g9l
        zd1mW5VRDCRcyLo8McIAMeECAwEAAQ==
        -----END PUBLIC KEY-----
        """
    /// The Let's-Encrypt-R10-shaped intermediate.
    static let letsEncrypt = """
        -----BEGIN PRIVATE KEY-----
        MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC2Gz9ujQudtcM7
        VizB4GqAfZdTFgjhI788ARctz/7C2VQcw9wOgxI9N1k/t3VWoBk+oPr95lsuPLMD
        dz8zVkYe5aDVbal6D6ZqX4Kxs00u5sEpAGprVtSfF58OXkZDCzmLZ+IvQ5JdIXc1
        Y6ZxH3tjsU5Pc3/ut9CDtbwFREa6d+/ZOhKh+KqFtvGgha1zVPaa40vasLnBq4Af
        wyR817Co7zNsnlDFeDay7HIjhj4U2YYKbbfhgNR+lJ98cVZx0QLMJXMl0yZT/o44
        2ARQCihOWAC1s+cGBEZ9dLulvrQ3FGX9GE723ybrWW1Kwz1cdEWcm0cVjBIBNROl
        nmoNlCAvAgMBAAECggEADh7OFqq1yYnMKfAEUm2DSelIcDcs2Grm1iaY1ILklIPj
        g24lxF5Mw2sPmY2GegFkqQ2JyLbcP8PnIY//2jbeAwv3zPTO3QRqTqSPRBYiGE6T
        kF6pjHR+0hiJIG/A76E8L19jvhnK4eZ0EYi44Yaju6ww5Uo7E5iJ1jH48p5Drwui
        P6b2APo9/0PSyER+kEFK3OyuKdRcK5C1m96Hj3TGezb/yrOnHm17hmyjJMACne1V
        ZhOgyb/pfQLQm8ueoDWpkDsPJIzZQKffZoEwO0r1kuQkZTwijTAQ/msiadB6YeOG
        ox/n2H3x4RZUKjSMr/h8SurXIuS2I/Z79VXDRc+R4QKBgQDZRnR+jgb4+YJ8gU/Q
        GlUQTCdO6bvd44kGsN4HkcbZQ4bqB7kx+WXbJkf39d82jKGYuKsq/lL+F8N3Bh79
        c/d4d/EukGL1trnvdLp4jGaDGEVc7JFU+zeM1c2RqaZ/usHE7GdzGdVtAnYI+g1D
        amoEo2iROzojHRmVdk3qAccs8QKBgQDWkCiNpkcEV5p4Cgm+JKo8V0EYzsY+QhJ+
        +qasi1UOI8rGE230KD+ZRB/wnMKM6s8gR8ivtmz3BC4W6r+lFiaPyrXWAjyQMCDD
        /hp8ecbVBtVVR2/+gTjb66fcaA7s+2DtM+TZfhIe2N/nM6ylKwZT8gEWDZP+I13P
        Xkv8akyfHwKBgQCnIL29Fyyf2PUZJjKpZYfnCFz4I2xB6qLdRbET63skZf/iBtza
        ZveFUfXr8vGmuRgYLHxljslx7/+Hj2rJFKnXvZMEeUXVsZ9mZMiGr6Cu2D2Kk+Ha
        l36MU21TzUZoW9Ru0FVmwQldV5ZJo2YOZE12ked+RyuaFOk4AY8/H+0AUQKBgETv
        jBf2lFqQytBGaVrt7MP2RLPzuz3FfKvPXD2ThoBEf6GkHG+Vftl/ScPEmb0ss99r
        MM9DjT7P2P8D7Q7dTwZj2ognr82jqONPgLL9bSSETYZYrWLXoa0GyafGxwTcvwd2
        5M/78VZ313gw4gcvC5ls52xucF32fu1hHoi6nmOBAoGAWMjh27XVIBku0LaiWJFx
        2afHB0kFIzcO512LYj0xpIZcsfE+hw7f+q5PQX4Ex/HUoVfJpAv8CXdFtrwDlJ9E
        BckSPitX5Fvla2jXMwDIJgrFKGW36regegX7oe0y27Omqf11ftwgH8WtSKEzcya7
        RAOYYQCXfR1dNABF938QcA4=
        -----END PRIVATE KEY-----
        """
    /// The public half of ``letsEncrypt``.
    static let letsEncryptPublic = """
        -----BEGIN PUBLIC KEY-----
        MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAths/bo0LnbXDO1YsweBq
        gH2XUxYI4SO/PAEXLc/+wtlUHMPcDoMSPTdZP7d1VqAZPqD6/eZbLjyzA3c/M1ZG
        HuWg1W2peg+mal+CsbNNLubBKQBqa1bUnxefDl5GQws5i2fiL0OSXSF3NWOmcR97
        Y7FOT3N/7rfQg7W8BURGunfv2ToSofiqhbbxoIWtc1T2muNL2rC5wauAH8MkfNew
        qO8zbJ5QxXg2suxyI4Y+FNmGCm234YDUfpSffHFWcdECzCVzJdMmU/6OONgEUAoo
        TlgAtbPnBgRGfXS7pb60NxRl/RhO9t8m61ltSsM9XHRFnJtHFYwSATUTpZ5qDZQg
        LwIDAQAB
        -----END PUBLIC KEY-----
        """
}
